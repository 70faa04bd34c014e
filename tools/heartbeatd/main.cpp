// heartbeatd: the primary. Beats on every link, owns the service addresses.
#include "fo/daemon/daemon.hpp"

int main(int argc, char** argv) {
    return fo::daemon::daemon_main(argc, argv, fo::wire::Role::primary);
}
