#include "fo/takeover/takeover.hpp"

#include <algorithm>

namespace fo::takeover {

TakeoverController::TakeoverController(TakeoverConfig config, AddressManager& addresses, HookRunner& hooks,
                                       Notifier& notifier, ArpFor arp_for, Scheduler& scheduler, Logger logger,
                                       GarpPacer::Clock clock)
    : config_(std::move(config)),
      addresses_(addresses),
      hooks_(hooks),
      notifier_(notifier),
      arp_for_(std::move(arp_for)),
      scheduler_(scheduler),
      logger_(std::move(logger)),
      pacer_(config_.garp.frames_per_second, config_.garp.also_reply_form ? 2 : 1, scheduler, std::move(clock),
             [this](std::size_t index) { send_announcement(index); }) {}

std::string TakeoverController::address_list() const {
    // Logs and mail subjects: a thousand addresses would be a line of 25 KB.
    constexpr std::size_t kListed = 8;
    std::string list;
    const std::size_t shown = std::min(kListed, config_.addresses.size());
    for (std::size_t i = 0; i < shown; ++i) {
        list += (list.empty() ? "" : " ") + config_.addresses[i].text() + "@" + config_.addresses[i].interface;
    }
    if (shown < config_.addresses.size()) {
        list += " and " + std::to_string(config_.addresses.size() - shown) + " more (" +
                std::to_string(config_.addresses.size()) + " addresses)";
    }
    return list;
}

std::map<std::string, std::string> TakeoverController::environment(const std::string& action) const {
    std::string addresses;
    std::string interfaces;
    for (const ServiceAddress& address : config_.addresses) {
        addresses += (addresses.empty() ? "" : " ") + address.address_text();
        interfaces += (interfaces.empty() ? "" : " ") + address.interface;
    }
    return {{"FAILOVER_ACTION", action},
            {"FAILOVER_STATE", holding_ ? "active" : "standby"},
            {"FAILOVER_ADDRESSES", addresses},
            {"FAILOVER_INTERFACES", interfaces}};
}

void TakeoverController::record(HookPhase phase, const std::vector<HookResult>& results) {
    last_hooks_.insert(last_hooks_.end(), results.begin(), results.end());
    for (const HookResult& result : results) {
        if (result.refused) {
            ++counters_.hooks_refused;
            notifier_.notify(std::string(hook_folder(phase)) + " hook refused",
                             result.name + " not run: " + result.refusal +
                                 " (hooks and their directories must be owned by root and not writable by group or "
                                 "others)");
        }
    }
}

void TakeoverController::run_test(const std::string& action, const std::string& reason,
                                  std::function<void(bool)> next) {
    const std::vector<std::string> arguments{
        action, config_.addresses.empty() ? std::string() : config_.addresses.front().address_text()};
    hooks_.start(HookPhase::test, arguments, environment(action),
                 [this, action, reason, next = std::move(next)](const std::vector<HookResult>& results) {
                     record(HookPhase::test, results);
                     for (const HookResult& result : results) {
                         if (!result.ok()) {
                             ++counters_.vetoed;
                             notifier_.notify(action + " vetoed by Test",
                                              "Test hook " + result.name +
                                                  (result.refused ? " refused (" + result.refusal + ")"
                                                                  : " exited " + std::to_string(result.exit_code)) +
                                                  (result.timed_out ? " (timed out)" : "") + "; " + action + " of " +
                                                  address_list() + " not done (" + reason + ")");
                             next(false);
                             return;
                         }
                     }
                     next(true);
                 });
}

void TakeoverController::run_hooks(HookPhase phase, const std::string& action, std::function<void()> next) {
    std::vector<std::string> arguments{action};
    for (const ServiceAddress& address : config_.addresses) {
        arguments.push_back(address.address_text());
    }
    hooks_.start(phase, arguments, environment(action),
                 [this, phase, next = std::move(next)](const std::vector<HookResult>& results) {
                     record(phase, results);
                     for (const HookResult& result : results) {
                         if (!result.ok() && !result.refused) {
                             ++counters_.hook_failures;
                             notifier_.notify(std::string(hook_folder(phase)) + " hook failed",
                                              result.name + " exited " + std::to_string(result.exit_code) +
                                                  (result.timed_out ? " after its timeout" : "") + "; continuing");
                         }
                     }
                     next();
                 });
}

void TakeoverController::finish(const Done& done, bool result) {
    busy_ = false;
    acquiring_ = false;
    if (done) {
        done(result);  // last: it may start the next operation
    }
}

void TakeoverController::cancel_acquisition() {
    if (busy_ && acquiring_ && !cancelled_) {
        cancelled_ = true;
        logger_("acquisition cancelled (stopping)");
        hooks_.cancel();
    }
}

void TakeoverController::acquire(const std::string& reason, Done done) {
    if (holding_) {
        if (done) {
            done(true);
        }
        return;
    }
    if (busy_) {
        logger_("acquire refused: an acquire or release is running");
        if (done) {
            done(false);
        }
        return;
    }
    busy_ = true;
    acquiring_ = true;
    cancelled_ = false;
    last_hooks_.clear();
    run_test("acquire", reason, [this, reason, done = std::move(done)](bool passed) {
        if (!passed || cancelled_) {
            finish(done, false);
            return;
        }
        run_hooks(HookPhase::pre_acquire, "acquire", [this, reason, done] {
            if (cancelled_) {
                finish(done, false);
                return;
            }
            acquire_addresses(reason, done);
        });
    });
}

void TakeoverController::acquire_addresses(const std::string& reason, Done done) {
    holding_ = true;
    ++counters_.acquisitions;
    const std::uint64_t generation = ++generation_;
    added_.assign(config_.addresses.size(), false);
    std::string errors;
    std::size_t failed = 0;
    // The first round of announcements goes as the acks arrive: the first
    // address is announced before the kernel has the last one.
    addresses_.add_all(config_.addresses, config_.label_suffix, [&](std::size_t index, const std::string& error) {
        if (error.empty()) {
            added_.at(index) = true;
            pacer_.push(index);
            return;
        }
        ++failed;
        ++counters_.address_errors;
        logger_(error);
        errors += error + "\n";
    });
    if (failed > 0) {
        notifier_.notify("cannot add address", std::to_string(failed) + " of " +
                                                   std::to_string(config_.addresses.size()) +
                                                   " addresses not added:\n" + errors);
    }
    if (config_.garp.repeat > 0) {
        scheduler_.after(config_.garp.interval_ns,
                         [this, generation] { announce(config_.garp.repeat - 1, generation); });
    }
    schedule_refresh(generation);
    run_hooks(HookPhase::post_acquire, "acquire", [this, reason, done = std::move(done)] {
        logger_("acquired " + address_list() + " reason=" + reason);
        notifier_.notify("took over " + address_list(), "reason: " + reason);
        finish(done, true);
    });
}

void TakeoverController::announce(int remaining, std::uint64_t generation) {
    if (generation != generation_ || !holding_) {
        return;  // released meanwhile
    }
    for (std::size_t index = 0; index < added_.size(); ++index) {
        if (added_[index]) {
            pacer_.push(index);
        }
    }
    if (remaining > 0) {
        scheduler_.after(config_.garp.interval_ns,
                         [this, remaining, generation] { announce(remaining - 1, generation); });
    }
}

void TakeoverController::send_announcement(std::size_t index) {
    if (!holding_ || index >= config_.addresses.size()) {
        return;
    }
    const ServiceAddress& address = config_.addresses[index];
    if (address.ipv6) {
        inject::NdpTransmitter* ndp = ndp_for_ ? ndp_for_(address.interface) : nullptr;
        if (ndp == nullptr) {
            return;
        }
        if (ndp->send_unsolicited_advert(*address.ipv6)) {
            ++counters_.garps_sent;
        } else {
            logger_("unsolicited neighbor advertisement on " + address.interface + ": " + ndp->last_error());
        }
        return;
    }
    inject::ArpTransmitter* arp = arp_for_(address.interface);
    if (arp == nullptr) {
        return;
    }
    bool sent = arp->send_gratuitous(address.address, inject::GratuitousArpForm::request);
    if (config_.garp.also_reply_form) {
        sent = arp->send_gratuitous(address.address, inject::GratuitousArpForm::reply) && sent;
    }
    if (sent) {
        ++counters_.garps_sent;
    } else {
        logger_("gratuitous ARP on " + address.interface + ": " + arp->last_error());
    }
}

void TakeoverController::send_probe(const ServiceAddress& address) {
    if (address.ipv6) {
        inject::NdpTransmitter* ndp = ndp_for_ ? ndp_for_(address.interface) : nullptr;
        if (ndp != nullptr && ndp->send_dad_probe(*address.ipv6)) {
            ++counters_.probes_sent;
        }
        return;
    }
    if (inject::ArpTransmitter* arp = arp_for_(address.interface)) {
        if (arp->send_probe(address.address)) {
            ++counters_.probes_sent;
        }
    }
}

void TakeoverController::send_probes() {
    const std::vector<ServiceAddress>& all = config_.addresses;
    if (all.empty()) {
        return;
    }
    // The first address every period (a holder of the service answers for
    // it at once), the others in turn.
    send_probe(all.front());
    const std::size_t others = all.size() - 1;
    const auto sample = static_cast<std::size_t>(std::max<std::int64_t>(config_.probe.addresses_per_period, 1));
    for (std::size_t i = 0; i + 1 < std::min(sample, all.size()); ++i) {
        send_probe(all[1 + (probe_cursor_ % others)]);
        probe_cursor_ = (probe_cursor_ + 1) % others;
    }
}

void TakeoverController::announce_again() {
    if (holding_) {
        announce(config_.garp.repeat, generation_);
    }
}

void TakeoverController::schedule_refresh(std::uint64_t generation) {
    if (config_.garp.refresh_interval_ns <= 0) {
        return;
    }
    scheduler_.after(config_.garp.refresh_interval_ns, [this, generation] {
        if (generation == generation_ && holding_) {
            announce(0, generation);
            schedule_refresh(generation);
        }
    });
}

void TakeoverController::release(const std::string& reason, bool forced, std::function<void()> after_removed,
                                 const Done& done) {
    if (busy_) {
        logger_("release refused: an acquire or release is running");
        if (done) {
            done(false);
        }
        return;
    }
    busy_ = true;
    acquiring_ = false;
    last_hooks_.clear();
    const bool was_holding = holding_;
    auto removal = [this, reason, was_holding, after_removed = std::move(after_removed), done] {
        release_addresses(reason, was_holding, after_removed, done);
    };
    auto pre_release = [this, was_holding, removal = std::move(removal)] {
        if (was_holding) {
            run_hooks(HookPhase::pre_release, "release", removal);
        } else {
            removal();
        }
    };
    if (!forced && was_holding) {
        run_test("release", reason, [this, done, pre_release = std::move(pre_release)](bool passed) {
            if (!passed) {
                finish(done, false);
                return;
            }
            pre_release();
        });
        return;
    }
    pre_release();
}

void TakeoverController::release_addresses(const std::string& reason, bool was_holding,
                                           const std::function<void()>& after_removed, const Done& done) {
    pacer_.clear();
    addresses_.remove_all(config_.addresses, [this](std::size_t /*index*/, const std::string& error) {
        if (!error.empty()) {
            ++counters_.address_errors;
            logger_(error);
        }
    });
    holding_ = false;
    added_.assign(config_.addresses.size(), false);
    ++generation_;
    if (after_removed) {
        after_removed();
    }
    if (!was_holding) {
        finish(done, true);
        return;
    }
    ++counters_.releases;
    run_hooks(HookPhase::post_release, "release", [this, reason, done] {
        logger_("released " + address_list() + " reason=" + reason);
        notifier_.notify("released " + address_list(), "reason: " + reason);
        finish(done, true);
    });
}

std::vector<std::string> TakeoverController::addresses_present() {
    std::vector<std::string> present;
    const std::vector<bool> found = addresses_.present_all(config_.addresses);
    for (std::size_t i = 0; i < config_.addresses.size() && i < found.size(); ++i) {
        if (found[i]) {
            present.push_back(config_.addresses[i].text() + "@" + config_.addresses[i].interface);
        }
    }
    return present;
}

}  // namespace fo::takeover
