#include "pair_sim.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace fo::sim {

// ---- the daemon-side fakes ---------------------------------------------

bool PairSim::SimTransmitter::send(const wire::Heartbeat& beat) {
    sim_.transmit(host_, link_, beat);
    return true;
}

bool PairSim::SimArp::send_gratuitous(wire::Ipv4Address address, inject::GratuitousArpForm) {
    sim_.gratuitous(host_, address);
    return true;
}

bool PairSim::SimArp::send_probe(wire::Ipv4Address address) {
    sim_.probe(host_, address);
    return true;
}

void PairSim::SimCheckExecutor::start(std::size_t, const takeover::CheckConfig&, Done done) {
    const bool up = sim_.hosts_[host_].service_up;
    done(takeover::CheckOutcome{up, up ? "connected" : "Connection refused"});
}

void PairSim::SimScheduler::after(std::int64_t delay_ns, std::function<void()> callback) {
    sim_.after_on_host(host_, delay_ns, std::move(callback));
}

// ---- construction and configuration --------------------------------------

PairSim::PairSim(SimOptions options)
    : options_(std::move(options)), rng_(options_.seed), keyring_(wire::Keyring::single(testing::test_key())) {
    verbose_ = std::getenv("FO_SIM_VERBOSE") != nullptr;  // every log line to stderr
    for (int i = 0; i < 2; ++i) {
        Host& host = hosts_[i];
        host.index = i;
        host.config = make_config(i == kPrimary);
        host.addresses.on_change = [this, i](bool held) { on_address_change(i, held); };
        host.notifier.log = [this, i](const std::string& line) { log_line(i, line); };
        host.hooks.on_start = [this](takeover::HookPhase) { check_claimants(); };
        host.hooks.defer = [this, i](std::int64_t delay, std::function<void()> run) {
            after_on_host(i, delay, std::move(run));
        };
    }
}

PairSim::~PairSim() {
    // Instances first: their scheduler callbacks live in the queue.
    for (Host& host : hosts_) {
        host.instance.reset();
    }
}

daemon::Config PairSim::make_config(bool primary) const {
    daemon::Config config;
    config.role = primary ? wire::Role::primary : wire::Role::secondary;
    config.node_id = primary ? 1 : 2;
    config.interval_ns = options_.interval_ns;
    config.miss_count = options_.miss_count;
    config.initial_dead_time_ns = options_.initial_dead_ns;
    config.failback_hold_down_ns = options_.hold_down_ns;
    const std::uint32_t peer_host = primary ? 2 : 1;
    config.links = {daemon::LinkConfig{"lan0", wire::Ipv4Address{0xC6336400 + peer_host}, false},
                    daemon::LinkConfig{"priv0", wire::Ipv4Address{0xCB007100 + peer_host}, false}};
    config.addresses = {takeover::ServiceAddress{"lan0", wire::Ipv4Address{kServiceIp}, 24}};
    config.garp.repeat = 3;
    config.garp.interval_ns = 50 * kMs;
    if (options_.check_interval_ns > 0) {
        takeover::CheckConfig check;
        check.name = "service";
        check.kind = takeover::CheckConfig::Kind::tcp;
        check.address = wire::Ipv4Address{0x7F000001};
        check.port = 25;
        check.interval_ns = options_.check_interval_ns;
        check.timeout_ns = options_.check_interval_ns;
        check.fall = options_.check_fall;
        check.rise = options_.check_rise;
        config.checks.push_back(check);
    }
    return config;
}

wire::MacAddress PairSim::mac(int host, std::size_t link) {
    return wire::MacAddress{{0x02, 0, 0, 0, static_cast<std::uint8_t>(link), static_cast<std::uint8_t>(host + 1)}};
}

wire::UdpEndpoints PairSim::endpoints(int from, std::size_t link) {
    if (link == kLan) {
        return from == kPrimary ? testing::primary_to_secondary() : testing::secondary_to_primary();
    }
    const int to = 1 - from;
    return wire::UdpEndpoints{mac(from, link),
                              mac(to, link),
                              wire::Ipv4Address{0xCB007101U + static_cast<std::uint32_t>(from)},
                              wire::Ipv4Address{0xCB007101U + static_cast<std::uint32_t>(to)},
                              wire::kDefaultHeartbeatPort,
                              wire::kDefaultHeartbeatPort};
}

// ---- the event queue and the daemon's loop ---------------------------------

void PairSim::at(std::int64_t when, std::function<void()> run) {
    queue_.push(Event{std::max(when, now_), next_order_++, std::move(run)});
}

void PairSim::at_host(int host, std::int64_t when, std::function<void()> run) {
    const std::uint64_t gen = hosts_[host].gen;
    at(when, [this, host, gen, run = std::move(run)]() mutable {
        Host& h = hosts_[host];
        if (h.gen != gen || !h.running()) {
            return;
        }
        if (h.paused) {
            h.deferred.push_back([this, host, gen, run = std::move(run)] {
                if (hosts_[host].gen == gen && hosts_[host].running()) {
                    run();
                }
            });
            return;
        }
        run();
    });
}

void PairSim::after_on_host(int i, std::int64_t delay_ns, std::function<void()> run) {
    at_host(i, now_ + delay_ns, [this, i, run = std::move(run)] {
        run();
        after_activity(i);
    });
}

void PairSim::run_until(std::int64_t until) {
    while (!failed_ && !queue_.empty() && queue_.top().at <= until) {
        Event event = queue_.top();
        queue_.pop();
        now_ = event.at;
        event.run();
        ++dual_stats().events;
        check_invariants();
    }
    if (!failed_) {
        now_ = std::max(now_, until);
        check_invariants();
    }
}

void PairSim::after_activity(int i) {
    Host& h = hosts_[i];
    if (!h.running() || h.paused) {
        return;
    }
    const auto deadline = h.node().next_deadline();
    const std::int64_t want = deadline ? std::max(*deadline, now_ + 1) : now_ + kSec;
    if (want == h.armed_deadline) {
        return;
    }
    h.armed_deadline = want;
    const std::uint64_t token = ++h.deadline_token;
    at_host(i, want, [this, i, token] {
        Host& host = hosts_[i];
        if (host.deadline_token != token) {
            return;
        }
        host.armed_deadline = -1;
        drain(i);
        host.node().tick(now_);
        after_activity(i);
    });
}

void PairSim::schedule_interval(int i, std::int64_t when) {
    const std::int64_t origin = hosts_[i].started_ns;
    at_host(i, when, [this, i, origin] {
        Host& h = hosts_[i];
        h.node().emit(now_);
        drain(i);
        h.node().decide(now_);
        after_activity(i);
        // Absolute deadlines: a late tick sends one beat, then back on the grid.
        const std::int64_t period = options_.interval_ns;
        const std::int64_t next = origin + ((now_ - origin) / period + 1) * period;
        schedule_interval(i, next);
    });
}

void PairSim::schedule_poll(int i, std::int64_t when) {
    const std::int64_t origin = hosts_[i].started_ns;
    at_host(i, when, [this, i, origin] {
        Host& h = hosts_[i];
        bool changed = false;
        for (std::size_t link = 0; link < 2; ++link) {
            if (h.node().carrier(link) != h.addresses.carrier_up[link]) {
                h.node().on_carrier(link, h.addresses.carrier_up[link], now_);
                changed = true;
            }
        }
        if (changed) {
            h.node().decide(now_);
        }
        if (options_.drain_on_poll) {
            drain(i);
        }
        h.node().decide(now_);
        after_activity(i);
        const std::int64_t next = origin + ((now_ - origin) / kPollNs + 1) * kPollNs;
        schedule_poll(i, next);
    });
}

void PairSim::drain(int i) {
    Host& h = hosts_[i];
    while (!h.capture.empty() && h.running()) {
        Captured frame = std::move(h.capture.front());
        h.capture.pop_front();
        if (frame.recorded) {
            h.delivered.insert(*frame.recorded);
        } else {
            log_line(i, "reads an ARP frame that arrived at " + ms(frame.arrival));
        }
        h.node().on_frame(frame.link, frame.bytes, frame.arrival);
    }
}

// ---- hosts: start, stop, pause -------------------------------------------

void PairSim::start(int i) {
    Host& h = hosts_[i];
    if (h.running()) {
        return;
    }
    ++h.gen;
    h.paused = false;
    h.deferred.clear();
    h.capture.clear();
    h.delivered.clear();
    h.armed_deadline = -1;
    if (h.addresses.held) {
        log_line(i, "removing leftover service address");
        std::string error;
        h.addresses.remove(h.config.addresses[0], error);
    }
    auto inst = std::make_unique<Instance>();
    do {
        inst->epoch = rng_();
    } while (inst->epoch == 0);
    epoch_owner_[inst->epoch] = EpochOwner{i, h.gen};
    daemon::NodeEdges edges;
    for (std::size_t link = 0; link < 2; ++link) {
        inst->transmitters.push_back(std::make_unique<SimTransmitter>(*this, i, link));
        edges.transmitters.push_back(inst->transmitters.back().get());
        edges.link_macs.push_back(mac(i, link));
    }
    inst->arp = std::make_unique<SimArp>(*this, i);
    inst->scheduler = std::make_unique<SimScheduler>(*this, i);
    inst->checks = std::make_unique<SimCheckExecutor>(*this, i);
    SimArp* arp = inst->arp.get();
    edges.arp_for = [arp](const std::string& interface) -> inject::ArpTransmitter* {
        return interface == "lan0" ? arp : nullptr;
    };
    edges.addresses = &h.addresses;
    edges.hooks = &h.hooks;
    edges.notifier = &h.notifier;
    edges.scheduler = inst->scheduler.get();
    edges.wall_clock = [this] { return 1'700'000'000'000'000'000LL + now_; };
    edges.monotonic_clock = [this] { return now_; };
    edges.logger = [this, i](const std::string& line) { log_line(i, line); };
    edges.checks = inst->checks.get();
    edges.events = h.events;
    const daemon::NodeIdentity identity{h.config.node_id, inst->epoch, &keyring_};
    inst->node = std::make_unique<daemon::Node>(h.config, identity, std::move(edges), now_);
    h.instance = std::move(inst);
    h.started_ns = now_;
    log_line(i, "daemon started, epoch " + hex(h.instance->epoch));
    // The daemon's poll_carrier() at start.
    for (std::size_t link = 0; link < 2; ++link) {
        if (!h.addresses.carrier_up[link]) {
            h.node().on_carrier(link, false, now_);
        }
    }
    schedule_interval(i, now_);
    schedule_poll(i, now_ + kPollNs);
    after_activity(i);
    touch_health();
}

void PairSim::kill(int i) {
    Host& h = hosts_[i];
    if (!h.running()) {
        return;
    }
    log_line(i, "daemon killed");
    h.instance.reset();
    ++h.gen;
    h.paused = false;
    h.deferred.clear();
    h.capture.clear();
    touch_health();
}

void PairSim::power_off(int i) {
    kill(i);
    std::string error;
    hosts_[i].addresses.remove(hosts_[i].config.addresses[0], error);
    log_line(i, "host powered off");
}

void PairSim::sigterm(int i) {
    Host& h = hosts_[i];
    if (!h.running() || h.paused) {
        return;
    }
    log_line(i, "SIGTERM");
    h.node().shutdown(now_);
    kill(i);
}

void PairSim::pause(int i) {
    Host& h = hosts_[i];
    if (!h.running() || h.paused) {
        return;
    }
    log_line(i, "paused (SIGSTOP)");
    h.paused = true;
    touch_health();
}

void PairSim::resume(int i) {
    Host& h = hosts_[i];
    if (!h.running() || !h.paused) {
        return;
    }
    log_line(i, "resumed (SIGCONT)");
    h.paused = false;
    drain(i);
    auto deferred = std::move(h.deferred);
    h.deferred.clear();
    for (auto& run : deferred) {
        run();
    }
    after_activity(i);
    touch_health();
}

void PairSim::set_carrier(int i, std::size_t link, bool up) {
    Host& h = hosts_[i];
    if (h.addresses.carrier_up[link] == up) {
        return;
    }
    log_line(i, std::string(link == kLan ? "lan0" : "priv0") + " carrier " + (up ? "up" : "down"));
    h.addresses.carrier_up[link] = up;
    if (h.running() && !h.paused) {  // netlink event; a paused daemon sees it at its next poll
        h.node().on_carrier(link, up, now_);
        h.node().decide(now_);
        after_activity(i);
    }
    touch_health();
}

void PairSim::set_service(int i, bool up) {
    Host& h = hosts_[i];
    if (h.service_up == up) {
        return;
    }
    log_line(i, std::string("service ") + (up ? "up" : "down"));
    h.service_up = up;
    touch_health();
}

}  // namespace fo::sim
