#include "commands.hpp"

#include <net/if.h>

#include <csignal>
#include <filesystem>

#include "fo/inject/arp_sender.hpp"
#include "fo/inject/ndp_sender.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/runtime/log.hpp"
#include "fo/takeover/hook_runner.hpp"
#include "fo/takeover/netlink_addresses.hpp"
#include "fo/takeover/notifier.hpp"
#include "fo/takeover/takeover.hpp"
#include "probe.hpp"

namespace fo::address {

namespace {

using runtime::log_error;
using runtime::log_info;
using runtime::log_notice;
using runtime::log_warning;

/// Pacemaker alerts the admin; here a notification is only a log line.
class LogNotifier final : public takeover::Notifier {
  public:
    void notify(const std::string& subject, const std::string& body) override {
        log_notice(subject + (body.empty() ? "" : ": " + body));
    }
};

/// Runs the takeover's scheduled callbacks (the paced announcements) on the
/// loop and says when none is left, so the process ends after the last one.
class CountingScheduler final : public takeover::Scheduler {
  public:
    CountingScheduler(runtime::EventLoop& loop, std::function<void()> on_idle)
        : loop_(loop), on_idle_(std::move(on_idle)) {}
    void after(std::int64_t delay_ns, std::function<void()> callback) override {
        ++pending_;
        auto timer = std::make_shared<runtime::EventLoop::TimerId>(-1);
        *timer = loop_.add_timer(delay_ns, 0, [this, timer, callback = std::move(callback)](std::uint64_t) {
            loop_.cancel_timer(*timer);
            --pending_;
            callback();
            if (pending_ == 0) {
                on_idle_();
            }
        });
    }
    [[nodiscard]] int pending() const { return pending_; }

  private:
    runtime::EventLoop& loop_;
    std::function<void()> on_idle_;
    int pending_ = 0;
};

bool interface_exists(const Options& options) {
    return if_nametoindex(options.address.interface.c_str()) != 0;
}

std::string where(const Options& options) {
    return options.address.text() + " on " + options.address.interface;
}

/// What announces and probes the address: ARP, or IPv6 neighbor discovery.
const char* announcements(const Options& options) {
    return options.address.is_ipv6() ? "unsolicited NAs" : "gratuitous ARPs";
}

/// Why this host cannot run `options`, or nothing.
std::optional<std::string> host_problem(const Options& options) {
    if (!interface_exists(options)) {
        return "--interface: there is no interface " + options.address.interface + " on this host";
    }
    std::error_code error;
    if (!options.hooks_dir.empty() && !std::filesystem::is_directory(options.hooks_dir, error)) {
        return "--hooks: " + options.hooks_dir + " is not a directory on this host";
    }
    return std::nullopt;
}

void log_line(const std::string& line) {
    log_info(line);
}

int acquire(const Options& options) {
    takeover::NetlinkAddressManager addresses;
    if (addresses.present(options.address)) {
        log_info(where(options) + " is already held here");
        return kSuccess;
    }
    if (options.probe_ns > 0) {
        const ProbeResult probe = probe_for_holder(options.address, options.probe_ns);
        if (!probe.error.empty()) {
            log_error(probe.error + "; " + where(options) + " not claimed");
            return kFailed;
        }
        if (probe.holder) {
            log_error(options.address.address_text() + " is answered by " + probe.holder->to_string() + " on " +
                      options.address.interface +
                      (options.address.is_ipv6() ? " (DAD probe, RFC 4862)" : " (RFC 5227 probe)") + ": not claimed");
            return kAnsweredElsewhere;
        }
    }
    runtime::EventLoop loop;
    // One family per run: an IPv6 address is announced by NAs, never by ARP.
    std::unique_ptr<inject::LibnetArpSender> arp;
    std::unique_ptr<inject::NdpSender> ndp;
    if (options.address.is_ipv6()) {
        ndp = std::make_unique<inject::NdpSender>(options.address.interface);
    } else {
        arp = std::make_unique<inject::LibnetArpSender>(options.address.interface);
    }
    takeover::DirectoryHookRunner hooks(loop, options.hooks_dir, options.hook_timeout_ns, log_line);
    LogNotifier notifier;
    std::optional<bool> acquired;
    const auto stop_when_done = [&] {
        if (acquired) {
            loop.stop();
        }
    };
    CountingScheduler scheduler(loop, stop_when_done);
    takeover::TakeoverConfig config;
    config.addresses = {options.address};
    config.label_suffix = options.label_suffix;
    config.garp.repeat = options.garp_count - 1;  // after the first one
    config.garp.interval_ns = options.garp_interval_ns;
    config.garp.refresh_interval_ns = 0;  // a one-shot process: no refresh while held
    config.garp.also_reply_form = options.garp_reply_form;
    takeover::TakeoverController controller(
        config, addresses, hooks, notifier, [&arp](const std::string&) { return arp.get(); }, scheduler, log_line);
    controller.set_ndp_for([&ndp](const std::string&) { return ndp.get(); });
    const auto on_signal = [&] {
        if (acquired) {
            loop.stop();  // only the rest of the announcement burst is left
        } else {
            controller.cancel_acquisition();
        }
    };
    loop.on_signal(SIGTERM, on_signal);
    loop.on_signal(SIGINT, on_signal);
    controller.acquire("fo-address acquire", [&](bool done) {
        acquired = done;
        if (scheduler.pending() == 0) {
            loop.stop();
        }
    });
    if (!acquired || scheduler.pending() > 0) {
        loop.run();
    }
    const takeover::TakeoverCounters& counters = controller.counters();
    if (!acquired.value_or(false)) {
        log_error(where(options) + (counters.vetoed > 0 ? ": vetoed by the Test hook" : ": acquisition cancelled"));
        return counters.vetoed > 0 ? kVetoed : kFailed;
    }
    if (counters.address_errors > 0 || !addresses.present(options.address)) {
        log_error(where(options) + ": the address could not be added");
        return kFailed;
    }
    if (counters.garps_sent == 0) {
        log_warning(where(options) + ": held, but no " +
                    (options.address.is_ipv6() ? "unsolicited NA" : "gratuitous ARP") + " could be sent");
    }
    log_notice("holding " + where(options) + " (" + std::to_string(counters.garps_sent) + " " + announcements(options) +
               ")");
    return kSuccess;
}

int release(const Options& options) {
    takeover::NetlinkAddressManager addresses;
    if (!addresses.present(options.address)) {
        log_info(where(options) + " is not held here: nothing to release");
        return kSuccess;
    }
    runtime::EventLoop loop;
    takeover::DirectoryHookRunner hooks(loop, options.hooks_dir, options.hook_timeout_ns, log_line);
    const std::string ip = options.address.address_text();
    const auto run_phase = [&](takeover::HookPhase phase, const char* state, const std::function<void()>& next) {
        const std::map<std::string, std::string> environment{{"FAILOVER_ACTION", "release"},
                                                             {"FAILOVER_STATE", state},
                                                             {"FAILOVER_ADDRESSES", ip},
                                                             {"FAILOVER_INTERFACES", options.address.interface}};
        hooks.start(phase, {"release", ip}, environment, [phase, next](const std::vector<takeover::HookResult>& ran) {
            for (const takeover::HookResult& hook : ran) {
                if (!hook.ok()) {
                    log_warning(
                        std::string(takeover::hook_folder(phase)) + " hook " + hook.name +
                        (hook.refused ? " refused: " + hook.refusal : " exited " + std::to_string(hook.exit_code)) +
                        "; continuing");
                }
            }
            next();
        });
    };
    bool removed = false;
    bool finished = false;
    std::string error;
    run_phase(takeover::HookPhase::pre_release, "active", [&] {
        removed = addresses.remove(options.address, error);
        run_phase(takeover::HookPhase::post_release, "standby", [&] {
            finished = true;
            loop.stop();
        });
    });
    if (!finished) {
        loop.run();
    }
    if (!removed) {
        log_error(error);
        return kFailed;
    }
    log_notice("released " + where(options));
    return kSuccess;
}

int status(const Options& options) {
    takeover::NetlinkAddressManager addresses;
    if (!addresses.present(options.address)) {
        return kNotHeld;
    }
    if (options.require_carrier && !addresses.carrier(options.address.interface)) {
        log_error(where(options) + " is held, but " + options.address.interface + " has no carrier");
        return kFailed;
    }
    return kSuccess;
}

}  // namespace

int run_command(const Options& options) {
    const auto problem = host_problem(options);
    if (problem && options.command == Command::release && !interface_exists(options)) {
        log_notice(*problem + ": nothing to release");
        return kSuccess;
    }
    if (problem && options.command == Command::release) {
        log_warning(*problem + ": releasing without hooks");
    } else if (problem) {
        log_error(*problem);
        return kNotOnThisHost;
    }
    try {
        switch (options.command) {
            case Command::acquire: return acquire(options);
            case Command::release: return release(options);
            case Command::status: return status(options);
            case Command::check: return kSuccess;
        }
    } catch (const std::exception& failure) {
        log_error(std::string(failure.what()) + " (" + where(options) + ")");
    }
    return kFailed;
}

}  // namespace fo::address
