#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "fo/daemon/node.hpp"
#include "fo/takeover/notifier.hpp"

namespace fo::daemon {

/// What only the process knows, beside the node's own state.
struct ProcessStatus {
    std::vector<std::string> peer_macs;       // per link; "broadcast" until resolved
    std::vector<std::string> addresses_held;  // as the kernel has them
    takeover::MailStatus mail;
    std::uint64_t reloads_handled = 0;
    std::uint64_t reloads_refused = 0;
};

/// The status document of `foctl status --json` (docs/status.md).
nlohmann::json node_status(Node& node, const ProcessStatus& process, std::int64_t now);

}  // namespace fo::daemon
