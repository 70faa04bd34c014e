// fo-probe: the measuring instrument. `watch` reports beat timing and loss.
#include <CLI/CLI.hpp>

#include "decode_command.hpp"
#include "fo/runtime/log.hpp"
#include "fo/version.hpp"
#include "fo/wire/heartbeat.hpp"
#include "outage_command.hpp"
#include "watch_command.hpp"

int main(int argc, char** argv) {
    fo::runtime::set_log_identity("fo-probe");
    CLI::App app{"fo-probe: measures failover heartbeats and outages"};
    app.set_version_flag("--version", fo::version_line("fo-probe"), "print the version and the protocol version");
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
    watch_command->add_option("--key-file", watch.key_file,
                              "shared key: verify MACs (whatever key id a frame names), count auth failures");
    watch_command->add_option("--port", watch.port, "UDP port (default 1694)");
    watch_command->add_flag("--json", watch.json, "print the report as JSON");
    watch_command->add_flag("--arp", watch.arp, "also capture ARP: gratuitous, probes, requests, replies");

    fo::probe::OutageOptions outage;
    CLI::App* outage_command =
        app.add_subcommand("outage", "client-side outage: probes a service address, sees which MAC answers");
    outage_command->add_option("-i,--interface", outage.interface, "the client's interface")->required();
    outage_command->add_option("-t,--target", outage.target, "the service address")->required();
    outage_command->add_option("--rate", outage.rate_hz, "probes per second (default 1000)");
    outage_command->add_option("-d,--duration", outage.duration_s, "seconds to probe");
    outage_command->add_flag("--until-recovered", outage.until_recovered,
                             "stop once an outage is over (bounded by --duration, else 300 s)");
    outage_command->add_option("--recovered-after", outage.recovered_after_s,
                               "seconds answered without a gap that count as recovered (default 0.2)");
    outage_command->add_flag("--json", outage.json, "print the report as JSON");
    outage_command->add_option("--udp", outage.udp_port, "probe a UDP echo service on this port instead of ICMP");
    outage_command->add_option("--plot", outage.plot_file,
                               "also draw the measurement as an SVG timeline into this file (any browser shows it)");
    std::uint16_t echo_port = 7;
    CLI::App* echo_command = app.add_subcommand("echo", "a UDP echo service (RFC 862) for outage --udp");
    echo_command->add_option("--port", echo_port, "UDP port (default 7)");

    fo::probe::DecodeOptions decode;
    decode.port = fo::wire::kDefaultHeartbeatPort;
    CLI::App* decode_command = app.add_subcommand("decode", "every heartbeat, ARP, VRRP and CARP frame of a pcap file");
    decode_command->add_option("file", decode.file, "the pcap or pcapng file")->required();
    decode_command->add_option("--key-file", decode.key_file,
                               "shared key: verify each heartbeat's MAC (whatever its key id)");
    decode_command->add_option("--port", decode.port, "UDP port (default 1694)");
    decode_command->add_flag("--json", decode.json, "print the frames as JSON");

    CLI11_PARSE(app, argc, argv);
    try {
        if (watch_command->parsed()) {
            if (watch.interface.empty() && watch.read_file.empty()) {
                fo::runtime::log_error("watch: give --interface IF or --read FILE");
                return 2;
            }
            return fo::probe::run_watch(watch);
        }
        if (echo_command->parsed()) {
            return fo::probe::run_echo_server(echo_port);
        }
        if (decode_command->parsed()) {
            return fo::probe::run_decode(decode);
        }
        if (outage_command->parsed()) {
            if (outage.duration_s <= 0 && !outage.until_recovered) {
                fo::runtime::log_error("outage: give --duration SECONDS or --until-recovered");
                return 2;
            }
            return fo::probe::run_outage(outage);
        }
    } catch (const std::exception& error) {
        fo::runtime::log_error(error.what());
        return 1;
    }
    return 0;
}
