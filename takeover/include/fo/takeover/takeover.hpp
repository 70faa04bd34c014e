#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fo/inject/transmitters.hpp"
#include "fo/takeover/edges.hpp"
#include "fo/takeover/garp_pacer.hpp"

namespace fo::takeover {

struct GarpSchedule {
    int repeat = 4;                          // after the first one, sent at once
    std::int64_t interval_ns = 100'000'000;  // between repeats (paced: switches throttle bursts)
    std::int64_t refresh_interval_ns = 0;    // 0: off; else re-announce while held (long ARP caches)
    bool also_reply_form = false;            // some stacks only learn from replies
    /// Across all addresses (GarpPacer); the default sends 1000 addresses'
    /// first announcements within 4 ms. Switches that police ARP (DAI's 15/s
    /// per port, control-plane policers of some 100s/s) need it lower.
    std::int64_t frames_per_second = 250'000;
};

/// RFC 5227 probes before a claim, bounded: each probe period probes the
/// first address and the next addresses_per_period - 1 of the others in
/// turn, so every address is probed within ceil((n - 1) / (k - 1)) periods.
/// A reply for any address vetoes the claim as before (the role machine).
struct ProbeBound {
    std::int64_t addresses_per_period = 16;
};

struct TakeoverConfig {
    std::vector<ServiceAddress> addresses;
    std::string label_suffix = "fo";  // label eth0:fo
    GarpSchedule garp;
    ProbeBound probe;
};

struct TakeoverCounters {
    std::uint64_t acquisitions = 0;
    std::uint64_t releases = 0;
    std::uint64_t vetoed = 0;
    std::uint64_t hook_failures = 0;
    std::uint64_t address_errors = 0;
    std::uint64_t garps_sent = 0;     // announcements: gratuitous ARPs, and unsolicited NAs for IPv6 addresses
    std::uint64_t probes_sent = 0;    // RFC 5227 ARP probes, and DAD solicitations for IPv6 addresses
    std::uint64_t hooks_refused = 0;  // not run: insecure owner or permissions (HookResult::refused)
};

/// Acquires and releases the service addresses in Apple's order, with hooks,
/// gratuitous ARP and notification. Asynchronous: acquire() and release()
/// start a step machine driven by the HookRunner's completions and report
/// through `done` (at once when the runner completes synchronously); the
/// caller's event loop, and so the beat, never waits for a hook. One
/// operation at a time (busy()).
class TakeoverController {
  public:
    using ArpFor = std::function<inject::ArpTransmitter*(const std::string& interface)>;
    using NdpFor = std::function<inject::NdpTransmitter*(const std::string& interface)>;
    using Logger = std::function<void(const std::string&)>;
    using Done = std::function<void(bool)>;

    /// `clock` (monotonic ns) lets the GARP pacer count the time spent
    /// adding addresses; without it the pacer counts only its own timers.
    TakeoverController(TakeoverConfig config, AddressManager& addresses, HookRunner& hooks, Notifier& notifier,
                       ArpFor arp_for, Scheduler& scheduler, Logger logger, GarpPacer::Clock clock = {});

    /// IPv6 addresses are announced and probed through these (unset: not at all).
    void set_ndp_for(NdpFor ndp_for) { ndp_for_ = std::move(ndp_for); }

    /// Test (a non-zero exit vetoes), PreAcq, addresses (one batch, in
    /// config order; each announced as soon as it is added, through the
    /// pacer), PostAcq, notification; then done(acquired).
    void acquire(const std::string& reason, Done done = {});
    /// Test (unless forced), PreRel, addresses removed, `after_removed`
    /// (the "released" frame), PostRel, notification; then done(released).
    /// Forced: no veto.
    void release(const std::string& reason, bool forced, std::function<void()> after_removed = {},
                 const Done& done = {});
    /// Shutdown: a running acquisition stops at its running hook (TERM) and
    /// adds no address unless it already has; it still reports through done.
    void cancel_acquisition();
    [[nodiscard]] bool busy() const { return busy_; }
    /// A fresh gratuitous-ARP burst while holding: another holder was heard,
    /// and caches may point at it.
    void announce_again();
    /// One probe period's RFC 5227 probes: config().probe bounds them.
    void send_probes();

    [[nodiscard]] bool holding() const { return holding_; }
    [[nodiscard]] const TakeoverCounters& counters() const { return counters_; }
    [[nodiscard]] const std::vector<HookResult>& last_hook_results() const { return last_hooks_; }
    [[nodiscard]] const TakeoverConfig& config() const { return config_; }
    /// The addresses as the kernel has them now.
    [[nodiscard]] std::vector<std::string> addresses_present();

  private:
    void run_test(const std::string& action, const std::string& reason, std::function<void(bool)> next);
    void run_hooks(HookPhase phase, const std::string& action, std::function<void()> next);
    void record(HookPhase phase, const std::vector<HookResult>& results);
    void acquire_addresses(const std::string& reason, Done done);
    void release_addresses(const std::string& reason, bool was_holding, const std::function<void()>& after_removed,
                           const Done& done);
    void finish(const Done& done, bool result);
    void announce(int remaining, std::uint64_t generation);
    void send_announcement(std::size_t index);
    void send_probe(const ServiceAddress& address);
    void schedule_refresh(std::uint64_t generation);
    std::map<std::string, std::string> environment(const std::string& action) const;
    std::string address_list() const;

    TakeoverConfig config_;
    AddressManager& addresses_;
    HookRunner& hooks_;
    Notifier& notifier_;
    ArpFor arp_for_;
    NdpFor ndp_for_;
    Scheduler& scheduler_;
    Logger logger_;
    bool holding_ = false;
    bool busy_ = false;
    bool acquiring_ = false;
    bool cancelled_ = false;
    std::uint64_t generation_ = 0;  // stale scheduled GARPs check it and do nothing
    std::vector<bool> added_;       // per address: added by the last acquisition (only those are announced)
    GarpPacer pacer_;
    std::size_t probe_cursor_ = 0;  // the next of the addresses after the first to probe
    TakeoverCounters counters_;
    std::vector<HookResult> last_hooks_;
};

}  // namespace fo::takeover
