#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fo/inject/transmitters.hpp"
#include "fo/takeover/edges.hpp"

namespace fo::takeover {

struct GarpSchedule {
    int repeat = 4;                          // after the first one, sent at once
    std::int64_t interval_ns = 100'000'000;  // between repeats (paced: switches throttle bursts)
    std::int64_t refresh_interval_ns = 0;    // 0: off; else re-announce while held (long ARP caches)
    bool also_reply_form = false;            // some stacks only learn from replies
};

struct TakeoverConfig {
    std::vector<ServiceAddress> addresses;
    std::string label_suffix = "fo";  // label eth0:fo
    GarpSchedule garp;
};

struct TakeoverCounters {
    std::uint64_t acquisitions = 0;
    std::uint64_t releases = 0;
    std::uint64_t vetoed = 0;
    std::uint64_t hook_failures = 0;
    std::uint64_t address_errors = 0;
    std::uint64_t garps_sent = 0;
};

/// Acquires and releases the service addresses in Apple's order, with hooks,
/// gratuitous ARP and notification. Synchronous: hooks are bounded by their
/// timeout, so a call never lasts longer than hooks x timeout.
class TakeoverController {
  public:
    using ArpFor = std::function<inject::ArpTransmitter*(const std::string& interface)>;
    using Logger = std::function<void(const std::string&)>;

    TakeoverController(TakeoverConfig config, AddressManager& addresses, HookRunner& hooks, Notifier& notifier,
                       ArpFor arp_for, Scheduler& scheduler, Logger logger);

    /// Test (a non-zero exit vetoes), PreAcq, addresses, gratuitous ARP, PostAcq, notification.
    bool acquire(const std::string& reason);
    /// Test (unless forced), PreRel, addresses removed, `after_removed`
    /// (the "released" frame), PostRel, notification. Forced: no veto.
    bool release(const std::string& reason, bool forced, const std::function<void()>& after_removed = {});
    /// A fresh gratuitous-ARP burst while holding: another holder was heard,
    /// and caches may point at it.
    void announce_again();

    [[nodiscard]] bool holding() const { return holding_; }
    [[nodiscard]] const TakeoverCounters& counters() const { return counters_; }
    [[nodiscard]] const std::vector<HookResult>& last_hook_results() const { return last_hooks_; }
    [[nodiscard]] const TakeoverConfig& config() const { return config_; }
    /// The addresses as the kernel has them now.
    [[nodiscard]] std::vector<std::string> addresses_present();

  private:
    bool run_test(const std::string& action, const std::string& reason);
    void run_hooks(HookPhase phase, const std::string& action);
    void announce(int remaining, std::uint64_t generation);
    void schedule_refresh(std::uint64_t generation);
    std::map<std::string, std::string> environment(const std::string& action) const;
    std::string address_list() const;

    TakeoverConfig config_;
    AddressManager& addresses_;
    HookRunner& hooks_;
    Notifier& notifier_;
    ArpFor arp_for_;
    Scheduler& scheduler_;
    Logger logger_;
    bool holding_ = false;
    std::uint64_t generation_ = 0;  // stale scheduled GARPs check it and do nothing
    TakeoverCounters counters_;
    std::vector<HookResult> last_hooks_;
};

}  // namespace fo::takeover
