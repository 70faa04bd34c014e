#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "fo/detector/interval_histogram.hpp"
#include "fo/wire/advert.hpp"

namespace fo::probe {

/// A virtual router as seen on the wire: protocol ("vrrp2", "vrrp3",
/// "carp"), address family and VRID (VHID for CARP). VRRP keeps IPv4 and
/// IPv6 VRIDs apart (RFC 5798 section 5.2.3), so the family is part of it.
struct RouterKey {
    std::string_view protocol;
    bool v6 = false;
    std::uint8_t router_id = 0;
    auto operator<=>(const RouterKey&) const = default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 bug
};

/// One source address that advertised for a router.
struct AdvertSender {
    wire::MacAddress mac;
    wire::IpAddress ip;
    std::uint8_t priority = 0;
    std::uint32_t advertised_interval_us = 0;
    std::uint64_t adverts = 0;
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
    std::uint64_t interval_count = 0;  // intervals between this sender's consecutive adverts
    std::int64_t interval_sum_ns = 0;

    [[nodiscard]] double mean_interval_us() const {
        return interval_count == 0 ? 0.0
                                   : static_cast<double>(interval_sum_ns) / static_cast<double>(interval_count) / 1e3;
    }
};

/// The advertising sender changed: `to` sent while the previous advert came
/// from `from`, whose last advert was at from_last_ns.
struct MasterChange {
    std::int64_t at_ns = 0;  // `to`'s first advert after the change
    std::int64_t from_last_ns = 0;
    wire::IpAddress from;
    wire::IpAddress to;
    wire::MacAddress from_mac;
    wire::MacAddress to_mac;
};

struct RouterStatistics {
    std::uint64_t adverts_received = 0;
    /// Adverts missing: for every interval over 1.5 x the advertised one
    /// (VRRP and CARP have no sequence number), round(interval / advertised) - 1, at least 1.
    std::uint64_t lost = 0;
    std::uint64_t late_intervals = 0;  // intervals over 1.5 x the advertised interval
    std::uint64_t priority_changes = 0;
    std::uint64_t master_changes = 0;
    std::uint32_t advertised_interval_us = 0;  // of the newest advert
    std::uint8_t priority = 0;                 // of the newest advert (CARP: 255 - advskew)
    std::size_t current = 0;                   // index in senders of the newest advert's sender
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
    std::vector<wire::IpAddress> addresses;        // of the newest advert
    std::vector<AdvertSender> senders;             // at most kMaxSendersPerRouter
    std::vector<MasterChange> master_change_list;  // at most kMaxMasterChanges
    std::uint64_t senders_dropped = 0;
    /// Between consecutive adverts of the same sender.
    detector::IntervalHistogram intervals;

    /// Sum of (interval - the sender's advertised interval)^2, in us^2.
    double deviation_square_sum_us2 = 0;

    /// Root mean square deviation of the intervals from the interval their
    /// sender advertised, in us.
    [[nodiscard]] double jitter_against_advertised_us() const;
};

/// Per virtual router statistics of VRRP and CARP adverts. Pure, bounded:
/// at most kMaxRouters routers (further ones counted), kMaxSendersPerRouter
/// senders and kMaxMasterChanges listed changes each.
class AdvertWatch {
  public:
    void on_advert(const wire::Advertisement& advert, std::int64_t timestamp_ns);

    [[nodiscard]] const std::map<RouterKey, RouterStatistics>& routers() const { return routers_; }
    [[nodiscard]] std::uint64_t routers_dropped() const { return routers_dropped_; }

    /// The sender that advertised most recently at or before `at_ns` and not
    /// since (the master that went silent before an announcement).
    struct Silent {
        RouterKey router;
        const AdvertSender* sender = nullptr;
    };
    [[nodiscard]] std::optional<Silent> silent_before(std::int64_t at_ns) const;

    static constexpr std::size_t kMaxRouters = 256;
    static constexpr std::size_t kMaxSendersPerRouter = 16;
    static constexpr std::size_t kMaxMasterChanges = 1000;

  private:
    std::map<RouterKey, RouterStatistics> routers_;
    std::uint64_t routers_dropped_ = 0;
};

}  // namespace fo::probe
