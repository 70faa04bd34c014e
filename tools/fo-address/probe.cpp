#include "probe.hpp"

#include "fo/address/conflict.hpp"
#include "fo/capture/pcap_source.hpp"
#include "fo/inject/arp_sender.hpp"
#include "fo/runtime/event_loop.hpp"

namespace fo::address {

namespace {

// RFC 5227 section 1.1 PROBE_NUM: three probes. They are spread over the
// first two thirds of the window; the last third waits for late answers
// (the role of ANNOUNCE_WAIT). RFC 5227's own timings (seconds) are for
// hosts joining a network; a cluster manager moving an address wants
// milliseconds, as the daemons' probes do.
constexpr int kProbeCount = 3;
constexpr int kPacketsPerRead = 256;

class ConflictHandler final : public capture::PacketHandler {
  public:
    ConflictHandler(wire::Ipv4Address address, wire::MacAddress own_mac) : address_(address), own_mac_(own_mac) {}
    void on_packet(const capture::CapturedPacket& packet) override {
        if (!holder_) {
            holder_ = conflicting_sender(packet.data, address_, own_mac_);
        }
    }
    [[nodiscard]] const std::optional<wire::MacAddress>& holder() const { return holder_; }

  private:
    wire::Ipv4Address address_;
    wire::MacAddress own_mac_;
    std::optional<wire::MacAddress> holder_;
};

}  // namespace

ProbeResult probe_for_holder(const takeover::ServiceAddress& address, std::int64_t window_ns) {
    inject::LibnetArpSender arp(address.interface);
    ConflictHandler handler(address.address, arp.source_mac());
    // Listening starts before the first probe leaves: no answer is missed.
    auto source = capture::open_live_capture(capture::LiveCaptureOptions{address.interface, "arp"});
    runtime::EventLoop loop;
    ProbeResult result;
    const auto drain = [&] {
        int count = 0;
        if (source->read_waiting(handler, kPacketsPerRead, count) == capture::PacketSource::ReadStatus::error) {
            result.error = "capture on " + address.interface + ": " + source->error_message();
            loop.stop();
        }
        if (handler.holder()) {
            loop.stop();
        }
    };
    loop.watch_readable(source->selectable_fd(), drain);
    for (int i = 0; i < kProbeCount; ++i) {
        loop.add_timer(window_ns * i / kProbeCount, 0, [&](std::uint64_t) {
            ++result.probes_sent;
            if (!arp.send_probe(address.address)) {
                result.error = "ARP probe on " + address.interface + ": " + arp.last_error();
                loop.stop();
            }
        });
    }
    loop.add_timer(window_ns, 0, [&](std::uint64_t) { loop.stop(); });
    loop.run();
    drain();
    result.holder = handler.holder();
    return result;
}

}  // namespace fo::address
