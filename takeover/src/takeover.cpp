#include "fo/takeover/takeover.hpp"

namespace fo::takeover {

TakeoverController::TakeoverController(TakeoverConfig config, AddressManager& addresses, HookRunner& hooks,
                                       Notifier& notifier, ArpFor arp_for, Scheduler& scheduler, Logger logger)
    : config_(std::move(config)),
      addresses_(addresses),
      hooks_(hooks),
      notifier_(notifier),
      arp_for_(std::move(arp_for)),
      scheduler_(scheduler),
      logger_(std::move(logger)) {}

std::string TakeoverController::address_list() const {
    std::string list;
    for (const ServiceAddress& address : config_.addresses) {
        list += (list.empty() ? "" : " ") + address.text() + "@" + address.interface;
    }
    return list;
}

std::map<std::string, std::string> TakeoverController::environment(const std::string& action) const {
    std::string addresses;
    std::string interfaces;
    for (const ServiceAddress& address : config_.addresses) {
        addresses += (addresses.empty() ? "" : " ") + address.address.to_string();
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
        action, config_.addresses.empty() ? std::string() : config_.addresses.front().address.to_string()};
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
        arguments.push_back(address.address.to_string());
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
    for (const ServiceAddress& address : config_.addresses) {
        std::string error;
        if (!addresses_.add(address, address.interface + ":" + config_.label_suffix, error)) {
            ++counters_.address_errors;
            logger_(error);
            notifier_.notify("cannot add address", error);
        }
    }
    holding_ = true;
    ++counters_.acquisitions;
    const std::uint64_t generation = ++generation_;
    announce(config_.garp.repeat, generation);
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
    for (const ServiceAddress& address : config_.addresses) {
        inject::ArpTransmitter* arp = arp_for_(address.interface);
        if (arp == nullptr) {
            continue;
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
    if (remaining > 0) {
        scheduler_.after(config_.garp.interval_ns,
                         [this, remaining, generation] { announce(remaining - 1, generation); });
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
    for (const ServiceAddress& address : config_.addresses) {
        std::string error;
        if (!addresses_.remove(address, error)) {
            ++counters_.address_errors;
            logger_(error);
        }
    }
    holding_ = false;
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
    for (const ServiceAddress& address : config_.addresses) {
        if (addresses_.present(address)) {
            present.push_back(address.text() + "@" + address.interface);
        }
    }
    return present;
}

}  // namespace fo::takeover
