// fo-probe: the measuring instrument. `watch` reports beat timing and loss.
#include <CLI/CLI.hpp>

#include "fo/runtime/log.hpp"
#include "fo/wire/heartbeat.hpp"
#include "watch_command.hpp"

int main(int argc, char** argv) {
    fo::runtime::set_log_identity("fo-probe");
    CLI::App app{"fo-probe: measures failover heartbeats and outages"};
    app.require_subcommand(1);

    fo::probe::WatchOptions watch;
    watch.port = fo::wire::kDefaultHeartbeatPort;
    CLI::App* watch_command = app.add_subcommand("watch", "per sender and link: beats, loss, intervals");
    auto* interface = watch_command->add_option("-i,--interface", watch.interface, "interface to capture on");
    auto* read = watch_command->add_option("-r,--read", watch.read_file, "read a pcap file instead");
    interface->excludes(read);
    watch_command->add_option("-w,--write", watch.write_file, "also write the captured beats to a pcap file");
    watch_command->add_option("-d,--duration", watch.duration_s, "seconds to watch (default: until Ctrl-C)")
        ->check(CLI::NonNegativeNumber);
    watch_command->add_option("--key-file", watch.key_file, "shared key: verify MACs, count auth failures");
    watch_command->add_option("--port", watch.port, "UDP port (default 1694)");
    watch_command->add_flag("--json", watch.json, "print the report as JSON");
    watch_command->add_flag("--arp", watch.arp, "also capture ARP: gratuitous, probes, requests, replies");

    CLI11_PARSE(app, argc, argv);
    try {
        if (watch_command->parsed()) {
            if (watch.interface.empty() && watch.read_file.empty()) {
                fo::runtime::log_error("watch: give --interface IF or --read FILE");
                return 2;
            }
            return fo::probe::run_watch(watch);
        }
    } catch (const std::exception& error) {
        fo::runtime::log_error(error.what());
        return 1;
    }
    return 0;
}
