#include "fo/probe/advert_watch.hpp"

#include <cmath>

namespace fo::probe {

namespace {
/// An interval this much over the advertised one means adverts went missing.
constexpr double kLateFactor = 1.5;
}  // namespace

double RouterStatistics::jitter_against_advertised_us() const {
    if (intervals.count() == 0) {
        return 0.0;
    }
    return std::sqrt(deviation_square_sum_us2 / static_cast<double>(intervals.count()));
}

void AdvertWatch::on_advert(const wire::Advertisement& advert, std::int64_t timestamp_ns) {
    const wire::AdvertEnvelope& envelope = wire::envelope_of(advert);
    const RouterKey key{wire::protocol_name(advert), envelope.source.v6, wire::router_id_of(advert)};
    auto found = routers_.find(key);
    if (found == routers_.end()) {
        if (routers_.size() >= kMaxRouters) {
            ++routers_dropped_;
            return;
        }
        found = routers_.emplace(key, RouterStatistics{}).first;
        found->second.first_ns = timestamp_ns;
    }
    RouterStatistics& router = found->second;
    const std::uint8_t priority = wire::priority_of(advert);
    const std::uint32_t interval_us = wire::advert_interval_us_of(advert);

    std::size_t index = 0;
    while (index < router.senders.size() && router.senders[index].ip != envelope.source) {
        ++index;
    }
    if (index == router.senders.size()) {
        if (router.senders.size() >= kMaxSendersPerRouter) {
            ++router.senders_dropped;
            return;
        }
        router.senders.push_back(AdvertSender{envelope.source_mac, envelope.source, priority, interval_us, 0,
                                              timestamp_ns, timestamp_ns, 0, 0});
    }
    AdvertSender& sender = router.senders[index];
    if (sender.adverts > 0) {
        const std::int64_t interval_ns = timestamp_ns - sender.last_ns;
        router.intervals.add(interval_ns);
        const double deviation_us = static_cast<double>(interval_ns) / 1e3 - static_cast<double>(interval_us);
        router.deviation_square_sum_us2 += deviation_us * deviation_us;
        ++sender.interval_count;
        sender.interval_sum_ns += interval_ns;
        const double advertised_ns = static_cast<double>(interval_us) * 1000.0;
        if (advertised_ns > 0 && static_cast<double>(interval_ns) > kLateFactor * advertised_ns) {
            ++router.late_intervals;
            const auto missing =
                static_cast<std::uint64_t>(std::llround(static_cast<double>(interval_ns) / advertised_ns));
            router.lost += missing > 1 ? missing - 1 : 1;
        }
        if (sender.priority != priority) {
            ++router.priority_changes;
        }
    }
    if (router.adverts_received > 0 && router.current != index) {
        ++router.master_changes;
        const AdvertSender& previous = router.senders[router.current];
        if (router.master_change_list.size() < kMaxMasterChanges) {
            router.master_change_list.push_back(
                MasterChange{timestamp_ns, previous.last_ns, previous.ip, sender.ip, previous.mac, sender.mac});
        }
    }
    ++sender.adverts;
    sender.last_ns = timestamp_ns;
    sender.mac = envelope.source_mac;
    sender.priority = priority;
    sender.advertised_interval_us = interval_us;

    ++router.adverts_received;
    router.current = index;
    router.last_ns = timestamp_ns;
    router.priority = priority;
    router.advertised_interval_us = interval_us;
    if (const auto* vrrp = std::get_if<wire::VrrpAdvertisement>(&advert)) {
        router.addresses = vrrp->addresses;
    }
}

std::optional<AdvertWatch::Silent> AdvertWatch::silent_before(std::int64_t at_ns) const {
    std::optional<Silent> found;
    for (const auto& [key, router] : routers_) {
        for (const AdvertSender& sender : router.senders) {
            if (sender.last_ns <= at_ns && (!found || sender.last_ns > found->sender->last_ns)) {
                found = Silent{key, &sender};
            }
        }
    }
    return found;
}

}  // namespace fo::probe
