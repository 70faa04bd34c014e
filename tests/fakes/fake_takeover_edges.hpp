#pragma once

// One fake per OS edge of takeover/: they record what was asked, in order,
// into a shared journal so tests can assert the sequence.

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fo/inject/transmitters.hpp"
#include "fo/takeover/edges.hpp"

namespace fo::testing {

using Journal = std::vector<std::string>;

class FakeAddressManager final : public takeover::AddressManager {
  public:
    explicit FakeAddressManager(Journal& journal) : journal_(journal) {}
    bool add(const takeover::ServiceAddress& address, const std::string& label, std::string& error) override {
        journal_.push_back("add " + address.text() + " " + label);
        if (fail_ || fail_addresses_.count(address.text()) != 0) {
            error = "fake add failure of " + address.text();
            return false;
        }
        present_.insert(address.text());
        return true;
    }
    bool remove(const takeover::ServiceAddress& address, std::string&) override {
        journal_.push_back("remove " + address.text());
        present_.erase(address.text());
        return true;
    }
    /// Counts the batch (batches_), then each address as the real one
    /// reports them: in order, each result before the next address.
    void add_all(const std::vector<takeover::ServiceAddress>& addresses, const std::string& label_suffix,
                 const BatchResult& result) override {
        ++batches_;
        takeover::AddressManager::add_all(addresses, label_suffix, result);
    }
    void remove_all(const std::vector<takeover::ServiceAddress>& addresses, const BatchResult& result) override {
        ++batches_;
        takeover::AddressManager::remove_all(addresses, result);
    }
    bool present(const takeover::ServiceAddress& address) override { return present_.count(address.text()) != 0; }
    bool carrier(const std::string&) override { return true; }
    bool fail_ = false;
    std::set<std::string> fail_addresses_;  // ADDRESS/PREFIX texts whose add fails
    int batches_ = 0;                       // add_all and remove_all calls

  private:
    Journal& journal_;
    std::set<std::string> present_;
};

class FakeHookRunner final : public takeover::HookRunner {
  public:
    explicit FakeHookRunner(Journal& journal) : journal_(journal) {}
    /// Completes at once, unless `held_phase` matches: then the phase stays
    /// running until release_held() (a slow hook).
    void start(takeover::HookPhase phase, const std::vector<std::string>& arguments,
               const std::map<std::string, std::string>& environment, Done done) override {
        std::string line = "hook " + std::string(takeover::hook_folder(phase));
        for (const auto& argument : arguments) {
            line += " " + argument;
        }
        line += " state=" + environment.at("FAILOVER_STATE");
        journal_.push_back(line);
        std::vector<takeover::HookResult> results;
        if (phase == takeover::HookPhase::test) {
            results = {takeover::HookResult{"Test", test_exit, false, false, {}}};
        } else {
            results = {
                takeover::HookResult{std::string(takeover::hook_folder(phase)), 0, phase == hanging_phase, false, {}}};
        }
        if (phase == held_phase) {
            held_ = [done = std::move(done), results] { done(results); };
            return;
        }
        done(results);
    }
    void cancel() override {
        journal_.push_back("hooks cancelled");
        cancelled = true;
    }
    [[nodiscard]] bool holding_phase() const { return static_cast<bool>(held_); }
    void release_held() {
        auto held = std::move(held_);
        held_ = nullptr;
        if (held) {
            held();
        }
    }
    int test_exit = 0;
    std::optional<takeover::HookPhase> hanging_phase;
    std::optional<takeover::HookPhase> held_phase;
    bool cancelled = false;

  private:
    Journal& journal_;
    std::function<void()> held_;
};

class FakeNotifier final : public takeover::Notifier {
  public:
    explicit FakeNotifier(Journal& journal) : journal_(journal) {}
    void notify(const std::string& subject, const std::string&) override { journal_.push_back("notify " + subject); }

  private:
    Journal& journal_;
};

/// Runs scheduled callbacks only when the test advances time.
class FakeScheduler final : public takeover::Scheduler {
  public:
    void after(std::int64_t delay_ns, std::function<void()> callback) override {
        pending_.push_back(Pending{now_ + delay_ns, std::move(callback)});
    }
    void advance_ns(std::int64_t delta) {
        const std::int64_t target = now_ + delta;
        for (bool ran = true; ran;) {
            ran = false;
            auto next = std::min_element(pending_.begin(), pending_.end(),
                                         [](const Pending& a, const Pending& b) { return a.at < b.at; });
            if (next != pending_.end() && next->at <= target) {
                now_ = next->at;
                auto callback = std::move(next->callback);
                pending_.erase(next);
                callback();
                ran = true;
            }
        }
        now_ = target;
    }
    [[nodiscard]] std::size_t pending() const { return pending_.size(); }
    [[nodiscard]] std::int64_t now() const { return now_; }

  private:
    struct Pending {
        std::int64_t at;
        std::function<void()> callback;
    };
    std::int64_t now_ = 0;
    std::vector<Pending> pending_;
};

class FakeArpTransmitter final : public inject::ArpTransmitter {
  public:
    explicit FakeArpTransmitter(Journal& journal) : journal_(journal) {}
    bool send_gratuitous(wire::Ipv4Address address, inject::GratuitousArpForm form) override {
        journal_.push_back(std::string("garp ") + (form == inject::GratuitousArpForm::request ? "request " : "reply ") +
                           address.to_string());
        return true;
    }
    bool send_probe(wire::Ipv4Address address) override {
        journal_.push_back("probe " + address.to_string());
        return true;
    }
    [[nodiscard]] std::string last_error() const override { return ""; }

  private:
    Journal& journal_;
};

class FakeNdpTransmitter final : public inject::NdpTransmitter {
  public:
    explicit FakeNdpTransmitter(Journal& journal) : journal_(journal) {}
    bool send_unsolicited_advert(const wire::Ipv6Address& address) override {
        journal_.push_back("na " + address.to_string());
        return true;
    }
    bool send_dad_probe(const wire::Ipv6Address& address) override {
        journal_.push_back("probe " + address.to_string());
        return true;
    }
    [[nodiscard]] std::string last_error() const override { return ""; }

  private:
    Journal& journal_;
};

}  // namespace fo::testing
