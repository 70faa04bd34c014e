#include "probe.hpp"

#include <functional>

#include "fo/address/conflict.hpp"
#include "fo/capture/pcap_source.hpp"
#include "fo/inject/arp_sender.hpp"
#include "fo/inject/ndp_sender.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/wire/ndp.hpp"

namespace fo::address {

namespace {

// RFC 5227 section 1.1 PROBE_NUM: three probes (for IPv6 too, where RFC
// 4862 5.1's DupAddrDetectTransmits default is one: three tolerate a lost
// frame in the same window). They are spread over the first two thirds of
// the window; the last third waits for late answers (ANNOUNCE_WAIT's role). RFC 5227's own timings (seconds) are for
// hosts joining a network; a cluster manager moving an address wants
// milliseconds, as the daemons' probes do.
constexpr int kProbeCount = 3;
constexpr int kPacketsPerRead = 256;

/// Keeps the first frame's sender that `is_conflict` names.
class ConflictHandler final : public capture::PacketHandler {
  public:
    using Rule = std::function<std::optional<wire::MacAddress>(std::span<const std::uint8_t>)>;
    explicit ConflictHandler(Rule is_conflict) : is_conflict_(std::move(is_conflict)) {}
    void on_packet(const capture::CapturedPacket& packet) override {
        if (!holder_) {
            holder_ = is_conflict_(packet.data);
        }
    }
    [[nodiscard]] const std::optional<wire::MacAddress>& holder() const { return holder_; }

  private:
    Rule is_conflict_;
    std::optional<wire::MacAddress> holder_;
};

/// Sends one probe; false with the reason.
using SendProbe = std::function<bool(std::string& error)>;

ProbeResult probe_with(const capture::LiveCaptureOptions& capture_options, std::int64_t window_ns,
                       ConflictHandler& handler, const SendProbe& send_probe) {
    const std::string& interface = capture_options.interface;
    // Listening starts before the first probe leaves: no answer is missed.
    auto source = capture::open_live_capture(capture_options);
    runtime::EventLoop loop;
    ProbeResult result;
    const auto drain = [&] {
        int count = 0;
        if (source->read_waiting(handler, kPacketsPerRead, count) == capture::PacketSource::ReadStatus::error) {
            result.error = "capture on " + interface + ": " + source->error_message();
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
            std::string error;
            if (!send_probe(error)) {
                result.error = error;
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

}  // namespace

ProbeResult probe_for_holder(const takeover::ServiceAddress& address, std::int64_t window_ns) {
    if (address.ipv6) {
        inject::NdpSender ndp(address.interface);
        const wire::MacAddress own_mac = ndp.source_mac();
        ConflictHandler handler(
            [&](std::span<const std::uint8_t> frame) { return conflicting_ndp_sender(frame, *address.ipv6, own_mac); });
        // Another node's DAD probe goes to the address's solicited-node group.
        capture::LiveCaptureOptions capture_options{address.interface, "icmp6"};
        capture_options.multicast_groups = {wire::solicited_node_mac(*address.ipv6)};
        return probe_with(capture_options, window_ns, handler, [&](std::string& error) {
            if (ndp.send_dad_probe(*address.ipv6)) {
                return true;
            }
            error = "DAD probe on " + address.interface + ": " + ndp.last_error();
            return false;
        });
    }
    inject::LibnetArpSender arp(address.interface);
    const wire::MacAddress own_mac = arp.source_mac();
    ConflictHandler handler(
        [&](std::span<const std::uint8_t> frame) { return conflicting_sender(frame, address.address, own_mac); });
    return probe_with(capture::LiveCaptureOptions{address.interface, "arp"}, window_ns, handler,
                      [&](std::string& error) {
                          if (arp.send_probe(address.address)) {
                              return true;
                          }
                          error = "ARP probe on " + address.interface + ": " + arp.last_error();
                          return false;
                      });
}

}  // namespace fo::address
