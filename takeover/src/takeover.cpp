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

bool TakeoverController::run_test(const std::string& action, const std::string& reason) {
    const std::vector<std::string> arguments{
        action, config_.addresses.empty() ? std::string() : config_.addresses.front().address.to_string()};
    const auto results = hooks_.run(HookPhase::test, arguments, environment(action));
    last_hooks_.insert(last_hooks_.end(), results.begin(), results.end());
    for (const HookResult& result : results) {
        if (!result.ok()) {
            ++counters_.vetoed;
            notifier_.notify(action + " vetoed by Test", "Test hook " + result.name + " exited " +
                                                             std::to_string(result.exit_code) +
                                                             (result.timed_out ? " (timed out)" : "") + "; " + action +
                                                             " of " + address_list() + " not done (" + reason + ")");
            return false;
        }
    }
    return true;
}

void TakeoverController::run_hooks(HookPhase phase, const std::string& action) {
    std::vector<std::string> arguments{action};
    for (const ServiceAddress& address : config_.addresses) {
        arguments.push_back(address.address.to_string());
    }
    const auto results = hooks_.run(phase, arguments, environment(action));
    last_hooks_.insert(last_hooks_.end(), results.begin(), results.end());
    for (const HookResult& result : results) {
        if (!result.ok()) {
            ++counters_.hook_failures;
            notifier_.notify(std::string(hook_folder(phase)) + " hook failed",
                             result.name + " exited " + std::to_string(result.exit_code) +
                                 (result.timed_out ? " after its timeout" : "") + "; continuing");
        }
    }
}

bool TakeoverController::acquire(const std::string& reason) {
    if (holding_) {
        return true;
    }
    last_hooks_.clear();
    if (!run_test("acquire", reason)) {
        return false;
    }
    run_hooks(HookPhase::pre_acquire, "acquire");
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
    run_hooks(HookPhase::post_acquire, "acquire");
    logger_("acquired " + address_list() + " reason=" + reason);
    notifier_.notify("took over " + address_list(), "reason: " + reason);
    return true;
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

bool TakeoverController::release(const std::string& reason, bool forced, const std::function<void()>& after_removed) {
    last_hooks_.clear();
    if (!forced && holding_ && !run_test("release", reason)) {
        return false;
    }
    const bool was_holding = holding_;
    if (was_holding) {
        run_hooks(HookPhase::pre_release, "release");
    }
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
    if (was_holding) {
        ++counters_.releases;
        run_hooks(HookPhase::post_release, "release");
        logger_("released " + address_list() + " reason=" + reason);
        notifier_.notify("released " + address_list(), "reason: " + reason);
    }
    return true;
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
