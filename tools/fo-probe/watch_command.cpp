#include "watch_command.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "fo/capture/bpf_filter.hpp"
#include "fo/capture/pcap_source.hpp"
#include "fo/capture/pcap_writer.hpp"
#include "fo/runtime/clock.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/runtime/log.hpp"
#include "optional_key.hpp"

namespace fo::probe {

namespace {

constexpr int kPacketsPerRead = 512;

class WatchHandler final : public capture::PacketHandler {
  public:
    WatchHandler(BeatWatch& watch, capture::PcapWriter* writer) : watch_(watch), writer_(writer) {}
    void on_packet(const capture::CapturedPacket& packet) override {
        watch_.on_frame(packet.data, packet.timestamp_ns);
        if (writer_ != nullptr) {
            writer_->write(packet);
        }
    }

  private:
    BeatWatch& watch_;
    capture::PcapWriter* writer_;
};

}  // namespace

int run_watch(const WatchOptions& options) {
    std::optional<wire::AuthKey> key;
    if (!load_optional_key(options.key_file, key)) {
        return 2;
    }
    capture::FilterSpec spec{options.port, std::nullopt, options.arp, true};
    spec.include_ndp = options.arp;  // DAD probes and advertisements of IPv6 service addresses
    const std::string filter = capture::build_filter_expression(spec);
    std::unique_ptr<capture::PacketSource> source;
    if (!options.read_file.empty()) {
        source = capture::open_capture_file(options.read_file, filter);
    } else {
        source = capture::open_live_capture(capture::LiveCaptureOptions{options.interface, filter});
    }
    std::unique_ptr<capture::PcapWriter> writer;
    if (!options.write_file.empty()) {
        writer = std::make_unique<capture::PcapWriter>(options.write_file);
    }

    BeatWatch watch(options.port, key ? &*key : nullptr);
    WatchHandler handler(watch, writer.get());
    const runtime::MonotonicClock clock;
    const std::int64_t started = clock.now_ns();

    if (source->selectable_fd() < 0) {
        int count = 0;
        while (source->read_waiting(handler, kPacketsPerRead, count) == capture::PacketSource::ReadStatus::ok) {
        }
    } else {
        runtime::EventLoop loop;
        const auto drain = [&] {
            int count = 0;
            for (int round = 0; round < 64; ++round) {  // bounded: yield to timers under a flood
                if (source->read_waiting(handler, kPacketsPerRead, count) != capture::PacketSource::ReadStatus::ok ||
                    count < kPacketsPerRead) {
                    break;
                }
            }
        };
        loop.watch_readable(source->selectable_fd(), drain);
        if (options.duration_s > 0) {
            loop.add_timer(static_cast<std::int64_t>(options.duration_s * 1e9), 0, [&](std::uint64_t) { loop.stop(); });
        }
        loop.on_signal(SIGINT, [&] { loop.stop(); });
        loop.on_signal(SIGTERM, [&] { loop.stop(); });
        runtime::log_info("watching " + options.interface + " for heartbeats on UDP port " +
                          std::to_string(options.port) + " and VRRP/CARP adverts");
        loop.run();
        drain();
    }

    const double elapsed_s = static_cast<double>(clock.now_ns() - started) / 1e9;
    const capture::CaptureStatistics statistics = source->statistics();
    const CaptureFigures figures{statistics.received, statistics.dropped_by_kernel};
    if (writer) {
        writer->flush();
    }
    if (options.json) {
        std::cout << watch_report_json(watch, options, elapsed_s, figures, key.has_value()).dump(2) << std::endl;
    } else {
        std::cout << watch_report_text(watch, elapsed_s, figures, key.has_value()) << std::flush;
    }
    return 0;
}

}  // namespace fo::probe
