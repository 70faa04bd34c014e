#include "pair_sim_fakes.hpp"

#include <utility>

namespace fo::sim {

DualStats& dual_stats() {
    static DualStats stats;
    return stats;
}

void SimHookRunner::start(takeover::HookPhase phase, const std::vector<std::string>&,
                          const std::map<std::string, std::string>& environment, Done done) {
    const auto action = environment.find("FAILOVER_ACTION");
    last_action = action == environment.end() ? "" : action->second;
    if (on_start) {
        on_start(phase);
    }
    std::vector<takeover::HookResult> results{takeover::HookResult{std::string(takeover::hook_folder(phase)),
                                                                   phase == takeover::HookPhase::test ? test_exit : 0,
                                                                   false,
                                                                   false,
                                                                   {}}};
    const auto delay = delays.find(phase);
    if (delay == delays.end() || delay->second <= 0 || !defer) {
        done(results);  // synchronous, as most scenarios want
        return;
    }
    defer(delay->second, [done = std::move(done), results] { done(results); });
}

}  // namespace fo::sim
