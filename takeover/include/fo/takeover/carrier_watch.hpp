#pragma once

#include <functional>
#include <memory>
#include <string>

namespace fo::takeover {

/// Link carrier changes as the kernel announces them (rtnetlink RTNLGRP_LINK
/// through libnl): no polling, and a pulled cable is seen at once.
class CarrierWatch {
  public:
    /// Receives (interface index, carrier) for every link message.
    using Handler = std::function<void(int interface_index, bool carrier)>;

    /// Throws std::runtime_error when the netlink socket cannot be opened.
    explicit CarrierWatch(Handler handler);
    ~CarrierWatch();
    CarrierWatch(const CarrierWatch&) = delete;
    CarrierWatch& operator=(const CarrierWatch&) = delete;

    /// Becomes readable when link messages wait.
    [[nodiscard]] int fd() const;
    /// Handles every waiting message; never blocks.
    void read_events();

  private:
    struct Socket;
    std::unique_ptr<Socket> socket_;
};

}  // namespace fo::takeover
