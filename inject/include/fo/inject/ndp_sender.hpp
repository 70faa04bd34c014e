#pragma once

#include <memory>
#include <string>

#include "fo/inject/transmitters.hpp"
#include "fo/wire/ndp.hpp"

namespace fo::inject {

/// Unsolicited neighbor advertisements and DAD probes for IPv6 service
/// addresses: frames encoded by wire/ndp.hpp, sent on a cached AF_PACKET
/// socket (as LibnetArpSender does for ARP).
class NdpSender final : public NdpTransmitter {
  public:
    /// Throws std::runtime_error when the interface cannot be opened.
    explicit NdpSender(const std::string& interface);
    ~NdpSender() override;
    NdpSender(const NdpSender&) = delete;
    NdpSender& operator=(const NdpSender&) = delete;
    NdpSender(NdpSender&&) = delete;
    NdpSender& operator=(NdpSender&&) = delete;

    bool send_unsolicited_advert(const wire::Ipv6Address& address) override;
    bool send_dad_probe(const wire::Ipv6Address& address) override;
    [[nodiscard]] std::string last_error() const override { return last_error_; }
    [[nodiscard]] wire::MacAddress source_mac() const { return source_mac_; }

    /// Any neighbor solicitation, as given (fo-probe resolves from a MAC of its own).
    bool send_solicit(const wire::NeighborSolicit& solicit);

  private:
    struct Socket;
    std::unique_ptr<Socket> socket_;
    wire::MacAddress source_mac_;
    std::string last_error_;
};

}  // namespace fo::inject
