#pragma once

#include <memory>

#include "fo/takeover/edges.hpp"

namespace fo::takeover {

/// Service addresses through rtnetlink (libnl-route-3): RTM_NEWADDR with
/// IFA_F_NODAD and a label, RTM_DELADDR; carrier from the link flags.
class NetlinkAddressManager final : public AddressManager {
  public:
    /// Throws std::runtime_error when the netlink socket cannot be opened.
    NetlinkAddressManager();
    ~NetlinkAddressManager() override;

    bool add(const ServiceAddress& address, const std::string& label, std::string& error) override;
    bool remove(const ServiceAddress& address, std::string& error) override;
    [[nodiscard]] bool present(const ServiceAddress& address) override;
    [[nodiscard]] bool carrier(const std::string& interface) override;

  private:
    struct Socket;
    std::unique_ptr<Socket> socket_;
};

}  // namespace fo::takeover
