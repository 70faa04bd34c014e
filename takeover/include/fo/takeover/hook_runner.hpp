#pragma once

#include <functional>
#include <string>

#include "fo/takeover/edges.hpp"

namespace fo::takeover {

/// Hooks from one directory, as Apple's IP failover had them: a sub-folder per
/// phase (Test/, PreAcq/, PostAcq/, PreRel/, PostRel/) and files named with
/// the phase as prefix (PreAcq-10-stop-mail). Only executable regular files
/// run, in name order. Each gets `timeout_ns`, then SIGTERM, then after a
/// grace SIGKILL. stdout and stderr go to the log, line by line.
class DirectoryHookRunner final : public HookRunner {
  public:
    using LogLine = std::function<void(const std::string&)>;
    DirectoryHookRunner(std::string directory, std::int64_t timeout_ns, LogLine log);

    std::vector<HookResult> run(HookPhase phase, const std::vector<std::string>& arguments,
                                const std::map<std::string, std::string>& environment) override;

    /// The programs `phase` would run, in order.
    [[nodiscard]] std::vector<std::string> hooks_for(HookPhase phase) const;

  private:
    HookResult run_one(const std::string& path, const std::vector<std::string>& arguments,
                       const std::map<std::string, std::string>& environment);

    std::string directory_;
    std::int64_t timeout_ns_;
    LogLine log_;
};

}  // namespace fo::takeover
