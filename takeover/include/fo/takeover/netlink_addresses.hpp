#pragma once

#include <memory>

#include "fo/takeover/edges.hpp"

namespace fo::takeover {

/// Service addresses through rtnetlink (libnl-route-3): RTM_NEWADDR with
/// IFA_F_NODAD and a label, RTM_DELADDR; carrier from the link flags.
/// add_all and remove_all batch on a raw rtnetlink socket of their own: the
/// requests go back to back (the first address alone, then chunks of 64 in
/// one sendmsg each); after each chunk the error answers are read and
/// matched to their address by sequence number, up to the ack of the
/// chunk's last request (rtnetlink answers every failed request anyway).
class NetlinkAddressManager final : public AddressManager {
  public:
    /// Throws std::runtime_error when the netlink socket cannot be opened.
    NetlinkAddressManager();
    ~NetlinkAddressManager() override;

    bool add(const ServiceAddress& address, const std::string& label, std::string& error) override;
    bool remove(const ServiceAddress& address, std::string& error) override;
    void add_all(const std::vector<ServiceAddress>& addresses, const std::string& label_suffix,
                 const BatchResult& result) override;
    void remove_all(const std::vector<ServiceAddress>& addresses, const BatchResult& result) override;
    [[nodiscard]] bool present(const ServiceAddress& address) override;
    [[nodiscard]] std::vector<bool> present_all(const std::vector<ServiceAddress>& addresses) override;
    [[nodiscard]] bool carrier(const std::string& interface) override;

  private:
    struct Socket;
    struct Batch;
    void run_batch(bool adding, const std::vector<ServiceAddress>& addresses, const std::string& label_suffix,
                   const BatchResult& result);
    std::unique_ptr<Socket> socket_;
};

}  // namespace fo::takeover
