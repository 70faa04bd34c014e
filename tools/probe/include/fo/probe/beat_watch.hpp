#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "fo/detector/interval_histogram.hpp"
#include "fo/probe/advert_watch.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/ipv6.hpp"
#include "fo/wire/replay_guard.hpp"

namespace fo::probe {

/// What fo-probe watch knows of one sender on one link.
struct SenderStatistics {
    wire::MacAddress mac;
    wire::Ipv4Address ip;
    wire::Role role = wire::Role::primary;
    wire::SenderState state = wire::SenderState::starting;
    std::uint64_t boot_epoch = 0;
    std::uint64_t echo_epoch = 0;  // the receiver's epoch the newest frame echoes (0: none yet)
    std::uint64_t term = 0;        // ownership term of the newest frame
    std::uint64_t sessions = 0;    // distinct (boot epoch, echoed epoch) pairs in a row: session changes + 1
    std::uint32_t advertised_interval_us = 0;
    bool mac_verified = false;  // the last accepted beat carried a verified MAC

    std::uint64_t beats_received = 0;
    std::uint64_t lost = 0;              // sequence gaps not filled by late arrivals
    std::uint64_t reordered = 0;         // arrived after a higher sequence number
    std::uint64_t duplicated = 0;        // a sequence number seen again inside the window
    std::uint64_t replays_rejected = 0;  // older than the window, or a retired boot epoch
    std::uint64_t auth_failures = 0;     // MAC missing or wrong, after this sender had a verified frame
    std::uint64_t restarts = 0;          // boot epoch changes
    std::int64_t first_arrival_ns = 0;
    std::int64_t last_arrival_ns = 0;
    detector::IntervalHistogram intervals;  // between consecutive in-order beats
};

/// One ARP frame seen on the wire.
struct ArpEvent {
    std::int64_t timestamp_ns = 0;
    wire::ArpFrame frame;
};

/// One IPv6 neighbor advertisement seen on the wire.
struct NeighborAdvertEvent {
    std::int64_t timestamp_ns = 0;
    wire::NeighborAdvert advert;
};

/// One IPv6 neighbor solicitation seen on the wire (a DAD probe: a node
/// about to claim the target).
struct NeighborSolicitEvent {
    std::int64_t timestamp_ns = 0;
    wire::NeighborSolicit solicit;
};

/// Feeds captured frames through the decoder, the MAC check and the replay
/// guard in that order, and keeps per-sender figures. Pure: no capture here.
///
/// Memory is bounded whatever arrives: a sender gets an entry only once one
/// of its frames passed the MAC check (with a key), frames that fail it from
/// a sender not yet known are counted in one aggregate, the table holds at
/// most kMaxSenders (frames of further senders are counted, not kept), and
/// the ARP list at most kMaxArpEvents (further ones counted; probes, requests
/// and replies at most kMaxOtherArpEvents). Each entry is
/// fixed-size (the interval histogram has fixed buckets).
class BeatWatch {
  public:
    BeatWatch(std::uint16_t port, const wire::AuthKey* key) : port_(port), key_(key) {}

    void on_frame(std::span<const std::uint8_t> frame, std::int64_t timestamp_ns);

    [[nodiscard]] const std::map<wire::SenderKey, SenderStatistics>& senders() const { return senders_; }
    [[nodiscard]] const wire::DropCounters& drops() const { return drops_; }
    [[nodiscard]] std::uint64_t frames_seen() const { return frames_seen_; }
    /// ARP frames, oldest first (kept only up to kMaxArpEvents).
    [[nodiscard]] const std::vector<ArpEvent>& arp_events() const { return arp_events_; }
    /// IPv6 neighbor advertisements, oldest first (unsolicited ones up to kMaxArpEvents, the rest up to
    /// kMaxOtherArpEvents), and those seen after that.
    [[nodiscard]] const std::vector<NeighborAdvertEvent>& neighbor_adverts() const { return neighbor_adverts_; }
    [[nodiscard]] std::uint64_t neighbor_adverts_dropped() const { return neighbor_adverts_dropped_; }
    /// IPv6 neighbor solicitations, oldest first, up to kMaxOtherArpEvents; those seen after that.
    [[nodiscard]] const std::vector<NeighborSolicitEvent>& neighbor_solicits() const { return neighbor_solicits_; }
    [[nodiscard]] std::uint64_t neighbor_solicits_dropped() const { return neighbor_solicits_dropped_; }
    /// ARP frames seen after the list was full.
    [[nodiscard]] std::uint64_t arp_events_dropped() const { return arp_events_dropped_; }
    /// Frames that failed the MAC check and claimed a sender we had no verified frame of (forgeries,
    /// a wrong key): counted here, never given a sender entry.
    [[nodiscard]] std::uint64_t auth_failures_unknown_senders() const { return auth_failures_unknown_senders_; }
    /// VRRP and CARP adverts (IP protocol 112), per virtual router.
    [[nodiscard]] const AdvertWatch& adverts() const { return adverts_; }
    /// Frames of a new sender that passed the MAC check while the table was full (kMaxSenders).
    [[nodiscard]] std::uint64_t senders_dropped() const { return senders_dropped_; }

    static constexpr std::size_t kMaxArpEvents = 10'000;
    /// Probes, requests and replies fill the list only up to here: the rest
    /// is kept for announcements (a client probing at 1 kHz, as fo-probe
    /// outage does, must not crowd out the takeover's gratuitous ARPs).
    static constexpr std::size_t kMaxOtherArpEvents = kMaxArpEvents / 2;
    static constexpr std::size_t kMaxSenders = 256;

  private:
    /// True when the frame was a neighbor solicitation (kept or counted as a drop).
    bool on_neighbor_solicit(std::span<const std::uint8_t> frame, std::int64_t timestamp_ns);

    std::uint16_t port_;
    const wire::AuthKey* key_;
    wire::ReplayGuard replay_guard_;
    wire::DropCounters drops_;
    std::map<wire::SenderKey, SenderStatistics> senders_;
    std::uint64_t frames_seen_ = 0;
    std::vector<ArpEvent> arp_events_;
    std::uint64_t arp_events_dropped_ = 0;
    std::uint64_t auth_failures_unknown_senders_ = 0;
    std::uint64_t senders_dropped_ = 0;
    AdvertWatch adverts_;
    std::vector<NeighborAdvertEvent> neighbor_adverts_;
    std::uint64_t neighbor_adverts_dropped_ = 0;
    std::vector<NeighborSolicitEvent> neighbor_solicits_;
    std::uint64_t neighbor_solicits_dropped_ = 0;
};

}  // namespace fo::probe
