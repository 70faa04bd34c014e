#pragma once

#include <memory>
#include <string>

#include "fo/inject/transmitters.hpp"
#include "fo/wire/arp.hpp"

namespace fo::inject {

enum class InjectionMode : std::uint8_t {
    link,        // build and send (needs CAP_NET_RAW)
    build_only,  // build and assemble the frame, send nothing (benchmarks)
};

/// Gratuitous ARPs and RFC 5227 probes. On a link: the frame encoded by
/// wire::encode_arp_frame and sent on a cached AF_PACKET socket (no ioctl per
/// frame, unlike libnet_write); build_only: libnet builds and assembles it.
class LibnetArpSender final : public ArpTransmitter {
  public:
    /// Throws std::runtime_error when the interface cannot be opened.
    /// In build_only mode `source_mac` stands in for the interface's.
    explicit LibnetArpSender(const std::string& interface, InjectionMode mode = InjectionMode::link,
                             wire::MacAddress source_mac = {});
    ~LibnetArpSender() override;

    bool send_gratuitous(wire::Ipv4Address address, GratuitousArpForm form) override;
    bool send_probe(wire::Ipv4Address address) override;
    [[nodiscard]] std::string last_error() const override { return last_error_; }

    [[nodiscard]] wire::MacAddress source_mac() const;

    /// Any ARP frame, as given (fo-probe sends probes from a MAC of its own).
    bool send_frame(const wire::ArpFrame& frame);

  private:
    struct State;

    std::unique_ptr<State> state_;
    std::string last_error_;
};

}  // namespace fo::inject
