// The links between the two hosts: cuts, loss, delays, and what crosses
// them (heartbeats, gratuitous ARP, an ARP probe and its answer).

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "fo/wire/arp.hpp"
#include "pair_sim.hpp"

namespace fo::sim {

void PairSim::set_cut(int from, std::size_t link, bool cut) {
    if (cut_[from][link] != cut) {
        cut_[from][link] = cut;
        log_line(-1, std::string(cut ? "cut " : "heal ") + (link == kLan ? "lan0 " : "priv0 ") +
                         (from == kPrimary ? "P->S" : "S->P"));
        touch_health();
    }
}

void PairSim::set_lossy(std::size_t link, double loss) {
    lossy_[link] = loss;
    log_line(-1, std::string(link == kLan ? "lan0" : "priv0") + " loss " + std::to_string(loss));
    touch_health();
}

void PairSim::partition_host(int i, bool cut) {
    for (std::size_t link = 0; link < 2; ++link) {
        set_cut(i, link, cut);
        set_cut(1 - i, link, cut);
    }
}

std::int64_t PairSim::delay() {
    std::uniform_int_distribution<std::int64_t> base(options_.delay_min_ns, options_.delay_max_ns);
    std::int64_t d = base(rng_);
    if (options_.jitter_ns > 0) {
        d += std::uniform_int_distribution<std::int64_t>(0, options_.jitter_ns)(rng_);
    }
    return d;
}

bool PairSim::lost(std::size_t link) {
    const double p = std::max(options_.loss, lossy_[link]);
    return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p;
}

void PairSim::transmit(int from, std::size_t link, const wire::Heartbeat& beat) {
    RecordedFrame frame;
    frame.sender = from;
    frame.link = link;
    frame.sender_gen = hosts_[from].gen;
    frame.sent_ns = now_;
    frame.beat = beat;
    frame.bytes = testing::beat_frame(beat, keyring_.send_key(), endpoints(from, link));
    const std::size_t index = recorded_.size();
    if (beat.type == wire::MessageType::released) {
        log_line(from, "sends " + describe(frame));
    }
    recorded_.push_back(frame);
    if (!connected(from, link) || lost(link)) {
        return;
    }
    deliver(1 - from, link, recorded_.back().bytes, now_ + delay(), index);
}

void PairSim::deliver(int to, std::size_t link, testing::Frame bytes, std::int64_t when,
                      std::optional<std::size_t> index) {
    at(when, [this, to, link, bytes = std::move(bytes), index]() mutable {
        Host& h = hosts_[to];
        if (!h.running() || !h.addresses.carrier_up[link]) {
            return;
        }
        h.capture.push_back(Captured{link, now_, std::move(bytes), index});
    });
}

void PairSim::probe(int from, wire::Ipv4Address address) {
    const int to = 1 - from;
    log_line(from, "ARP probe");
    if (!connected(from, kLan)) {
        return;
    }
    at(now_ + delay(), [this, from, to, address] {
        // The other kernel answers for an address it holds, whatever its daemon does.
        if (!hosts_[to].addresses.held || address.value != kServiceIp || !connected(to, kLan)) {
            return;
        }
        wire::ArpFrame reply;
        reply.ethernet_destination = mac(from, kLan);
        reply.ethernet_source = mac(to, kLan);
        reply.operation = wire::kArpReply;
        reply.sender_mac = mac(to, kLan);
        reply.sender_ip = address;
        reply.target_mac = mac(from, kLan);
        reply.target_ip = wire::Ipv4Address{0};
        deliver(from, kLan, testing::arp_frame(reply), now_ + delay(), std::nullopt);
    });
}

void PairSim::gratuitous(int from, wire::Ipv4Address address) {
    if (!hosts_[from].addresses.carrier_up[kLan]) {
        return;
    }
    client_arp_owner_ = from;
    if (connected(from, kLan)) {
        deliver(1 - from, kLan, testing::arp_frame(wire::make_gratuitous_request(mac(from, kLan), address)),
                now_ + delay(), std::nullopt);
    }
}

}  // namespace fo::sim
