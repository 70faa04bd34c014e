#pragma once

#include <vector>

#include "fo/inject/transmitters.hpp"

namespace fo::testing {

/// Records every beat instead of sending it; can be told to fail.
class FakeHeartbeatTransmitter final : public inject::HeartbeatTransmitter {
  public:
    bool send(const wire::Heartbeat& beat) override {
        if (fail_next_ > 0) {
            --fail_next_;
            return false;
        }
        sent.push_back(beat);
        return true;
    }
    bool set_destination_mac(wire::MacAddress mac) override {
        destination_mac = mac;
        return true;
    }
    [[nodiscard]] std::string last_error() const override { return "fake send failure"; }
    void fail_next(int count) { fail_next_ = count; }

    std::vector<wire::Heartbeat> sent;
    wire::MacAddress destination_mac;

  private:
    int fail_next_ = 0;
};

}  // namespace fo::testing
