// failoverd: the secondary. Watches the primary on every link, takes over.
#include "fo/daemon/daemon.hpp"

int main(int argc, char** argv) {
    return fo::daemon::daemon_main(argc, argv, fo::wire::Role::secondary);
}
