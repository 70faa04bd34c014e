#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fo/wire/addresses.hpp"

namespace fo::takeover {

struct ServiceAddress {
    ServiceAddress() = default;
    ServiceAddress(std::string interface_name, wire::Ipv4Address ipv4, int prefix = 32)
        : interface(std::move(interface_name)), address(ipv4), prefix_length(prefix) {}
    ServiceAddress(std::string interface_name, const wire::Ipv6Address& address6, int prefix)
        : interface(std::move(interface_name)), prefix_length(prefix), ipv6(address6) {}

    std::string interface;
    wire::Ipv4Address address;  // when ipv6 is unset
    int prefix_length = 32;
    /// Set: an IPv6 address (`address` unused), announced by unsolicited
    /// neighbor advertisements and probed by DAD solicitations.
    std::optional<wire::Ipv6Address> ipv6;
    [[nodiscard]] bool is_ipv6() const { return ipv6.has_value(); }
    /// The address alone: "198.51.100.10" or "2001:db8::100".
    [[nodiscard]] std::string address_text() const { return ipv6 ? ipv6->to_string() : address.to_string(); }
    [[nodiscard]] std::string text() const { return address_text() + "/" + std::to_string(prefix_length); }
};

/// Adds and removes service addresses (netlink in production).
class AddressManager {
  public:
    /// One address of a batch is done: its index in the list given, and an
    /// error text (empty on success).
    using BatchResult = std::function<void(std::size_t index, const std::string& error)>;

    virtual ~AddressManager() = default;
    /// Adds every address (labelled INTERFACE:label_suffix, no duplicate
    /// address detection), in list order; `result` is called once per
    /// address, in list order, as soon as that address is known added or
    /// failed (before the later ones are). This default adds one by one.
    virtual void add_all(const std::vector<ServiceAddress>& addresses, const std::string& label_suffix,
                         const BatchResult& result) {
        for (std::size_t i = 0; i < addresses.size(); ++i) {
            std::string error;
            if (!add(addresses[i], addresses[i].interface + ":" + label_suffix, error) && error.empty()) {
                error = "cannot add " + addresses[i].text() + " to " + addresses[i].interface;
            }
            result(i, error);
        }
    }
    /// Removes every address, in list order; `result` as for add_all.
    virtual void remove_all(const std::vector<ServiceAddress>& addresses, const BatchResult& result) {
        for (std::size_t i = 0; i < addresses.size(); ++i) {
            std::string error;
            if (!remove(addresses[i], error) && error.empty()) {
                error = "cannot remove " + addresses[i].text() + " from " + addresses[i].interface;
            }
            result(i, error);
        }
    }
    /// Adds without duplicate address detection, labelled `label`. False with
    /// `error` set on failure; adding a present address succeeds.
    virtual bool add(const ServiceAddress& address, const std::string& label, std::string& error) = 0;
    /// Removing an absent address succeeds.
    virtual bool remove(const ServiceAddress& address, std::string& error) = 0;
    [[nodiscard]] virtual bool present(const ServiceAddress& address) = 0;
    /// present() of every address; the netlink one reads the kernel's
    /// addresses once, not once per address.
    [[nodiscard]] virtual std::vector<bool> present_all(const std::vector<ServiceAddress>& addresses) {
        std::vector<bool> out;
        out.reserve(addresses.size());
        for (const ServiceAddress& address : addresses) {
            out.push_back(present(address));
        }
        return out;
    }
    /// Whether the interface has carrier (its cable is plugged and it is up).
    [[nodiscard]] virtual bool carrier(const std::string& interface) = 0;
};

enum class HookPhase : std::uint8_t { test, pre_acquire, post_acquire, pre_release, post_release };
std::string_view hook_folder(HookPhase phase);  // "Test", "PreAcq", ...

struct HookResult {
    std::string name;
    int exit_code = 0;       // -1 when killed by a signal
    bool timed_out = false;  // TERM then, if needed, KILL after the timeout (or cancelled)
    bool refused = false;    // not run: it or a directory on its path is not root-owned or is group/other-writable
    std::string refusal;     // why, when refused
    [[nodiscard]] bool ok() const { return exit_code == 0 && !timed_out && !refused; }
};

/// Runs the admin's hook programs (Apple's layout) without blocking the
/// caller: start() begins a phase and `done` receives its results once the
/// last hook ended (possibly before start() returns, as the fakes do). One
/// phase at a time.
class HookRunner {
  public:
    using Done = std::function<void(std::vector<HookResult>)>;
    virtual ~HookRunner() = default;
    /// Runs every hook of `phase` one after the other, in name order, with
    /// `arguments` and `environment`; never longer than the timeout per hook.
    virtual void start(HookPhase phase, const std::vector<std::string>& arguments,
                       const std::map<std::string, std::string>& environment, Done done) = 0;
    /// Ends the running phase early (shutdown): the running hook gets TERM
    /// now (KILL after a grace), the ones not started are skipped; `done` is
    /// still called.
    virtual void cancel() {}
};

/// Mail to the admin and a syslog line.
class Notifier {
  public:
    virtual ~Notifier() = default;
    virtual void notify(const std::string& subject, const std::string& body) = 0;
};

/// Runs a callback later (the event loop in production).
class Scheduler {
  public:
    virtual ~Scheduler() = default;
    virtual void after(std::int64_t delay_ns, std::function<void()> callback) = 0;
};

}  // namespace fo::takeover
