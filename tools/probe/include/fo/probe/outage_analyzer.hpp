#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "fo/wire/addresses.hpp"

namespace fo::probe {

struct Gap {
    std::uint64_t first_unanswered = 0;  // probe index
    std::uint64_t first_answered_after = 0;
    std::int64_t start_ns = 0;  // send time of the first unanswered probe
    std::int64_t end_ns = 0;    // send time of the first answered probe after it
    [[nodiscard]] std::int64_t length_ns() const { return end_ns - start_ns; }
    [[nodiscard]] std::uint64_t probes() const { return first_answered_after - first_unanswered; }
};

struct OwnerChange {
    std::int64_t at_ns = 0;  // send time of the first probe the new MAC answered
    std::uint64_t probe = 0;
    std::optional<wire::MacAddress> from;
    wire::MacAddress to;
};

/// A span of time in which two or more MACs answered ARP for the target:
/// both hosts claimed the address (split brain).
struct DualOwnerWindow {
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
    std::vector<wire::MacAddress> macs;
};

/// A gratuitous ARP for the target (sender IP = target IP = the service
/// address, request or reply: RFC 5227 section 3 "ARP Announcement").
struct GratuitousArp {
    std::int64_t at_ns = 0;
    wire::MacAddress mac;
};

/// One probe as sent, and the MAC whose echo reply answered it.
struct ProbeMark {
    std::uint64_t index = 0;
    std::int64_t sent_ns = 0;
    std::optional<wire::MacAddress> answered_by;
};

struct OutageReport {
    std::uint64_t probes_sent = 0;
    std::uint64_t probes_answered = 0;
    std::uint64_t unanswered_before_first_reply = 0;  // not an outage: never seen up
    std::int64_t resolution_ns = 0;                   // the probe period
    std::vector<Gap> gaps;                            // every run of unanswered probes after the first reply
    std::optional<Gap> outage;                        // the longest
    std::map<wire::MacAddress, std::uint64_t> replies_per_mac;
    std::vector<OwnerChange> owner_changes;
    std::uint64_t arp_replies = 0;
    std::vector<DualOwnerWindow> dual_owner_windows;
    std::int64_t dual_owner_total_ns = 0;
    std::vector<GratuitousArp> gratuitous_arps;
};

/// Pure bookkeeping of `fo-probe outage`: probes sent, echo replies with the
/// MAC that sent them, and ARP replies for the target (to probes sent from a
/// MAC no host caches, so measuring never steers anyone's ARP cache).
class OutageAnalyzer {
  public:
    /// Probes answered by two MACs this close together form one dual-owner window.
    static constexpr std::int64_t kClaimGapPeriods = 5;

    explicit OutageAnalyzer(std::int64_t probe_period_ns) : period_ns_(probe_period_ns) {}

    void on_probe_sent(std::uint64_t index, std::int64_t at_ns);
    void on_echo_reply(std::uint64_t index, wire::MacAddress from, std::int64_t at_ns);
    void on_arp_reply(wire::MacAddress from, std::int64_t at_ns);
    void on_gratuitous_arp(wire::MacAddress from, std::int64_t at_ns);

    /// Every probe sent before `settle_from_ns`, in order (for the picture).
    [[nodiscard]] std::vector<ProbeMark> timeline(std::int64_t settle_from_ns) const;

    /// Probes sent after `settle_from_ns` are not yet judged (replies may be in flight).
    [[nodiscard]] OutageReport report(std::int64_t settle_from_ns) const;

    /// True once an outage happened (or the answering MAC changed) and the last `streak` probes sent before
    /// `settle_from_ns` were all answered. O(probes): call it now and then.
    [[nodiscard]] bool recovered(std::uint64_t streak, std::int64_t settle_from_ns) const;

  private:
    struct Probe {
        std::int64_t sent_ns = 0;
        std::optional<wire::MacAddress> answered_by;
    };
    std::int64_t period_ns_;
    std::vector<Probe> probes_;  // index = probe index
    std::uint64_t answered_ = 0;
    std::map<wire::MacAddress, std::uint64_t> replies_per_mac_;
    std::vector<std::pair<std::int64_t, wire::MacAddress>> arp_replies_;
    std::vector<GratuitousArp> gratuitous_arps_;
};

}  // namespace fo::probe
