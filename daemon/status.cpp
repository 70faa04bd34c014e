#include "fo/daemon/status.hpp"

#include <cstdio>

namespace fo::daemon {

namespace {
std::string hex64(std::uint64_t value) {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

nlohmann::json mail_status(const takeover::MailStatus& mail) {
    nlohmann::json last = nullptr;
    if (mail.last) {
        last = {{"outcome", takeover::to_string(mail.last->kind)},
                {"subject", mail.last->subject},
                {"attempts", mail.last->attempts},
                {"reason", mail.last->reason},
                {"retry_in_ms", mail.last->retry_in_ns / 1'000'000}};
    }
    return {{"transport", mail.transport},  {"mail_sent", mail.sent},       {"mail_failed", mail.failed},
            {"mail_retries", mail.retries}, {"mail_pending", mail.pending}, {"last_mail", last}};
}

nlohmann::json link_status(Node& node, const ProcessStatus& process, std::size_t i, std::int64_t now) {
    const auto& status = node.detector().links()[i];
    const auto& intervals = node.intervals(i);
    const auto& emitted = node.emitter().links()[i];
    const auto& session = node.intake().sessions()[i];
    return {
        {"interface", status.name},
        {"state", detector::to_string(status.state)},
        {"carrier", node.carrier(i)},
        {"last_beat_age_ms", status.last_beat_ns == 0 ? -1.0 : static_cast<double>(now - status.last_beat_ns) / 1e6},
        {"peer_interval_us", status.peer_interval_ns / 1000},
        {"beats_received", status.beats},
        {"went_down", status.went_down},
        {"interval_us",
         {{"p50", intervals.percentile_us(0.5)},
          {"p99", intervals.percentile_us(0.99)},
          {"max", intervals.max_us()},
          {"jitter", intervals.stddev_us()}}},
        {"beats_sent", emitted.sent},
        {"send_errors", emitted.send_errors},
        {"session",
         {{"state", wire::to_string(session.state())},
          {"peer_epoch", hex64(session.peer_epoch())},
          {"replacements", session.replacements()}}},
        {"peer_mac", i < process.peer_macs.size() ? process.peer_macs[i] : "broadcast"}};
}
/// The [[check]]s: the node's verdict and each check's state.
nlohmann::json health_status(const Node& node, std::int64_t now) {
    const takeover::HealthMonitor* health = node.health();
    const auto unable = node.role().cannot_serve();
    const auto cannot_take = node.role().cannot_take_over();
    nlohmann::json out = {{"healthy", health == nullptr || health->healthy()},
                          {"failing", health == nullptr ? "" : health->failing()},
                          {"pending", health == nullptr ? "" : health->pending()},
                          {"can_serve", !unable.has_value()},
                          {"cannot_serve_reason", unable.value_or("")},
                          {"can_take_over", !cannot_take.has_value()},
                          {"cannot_take_over_reason", cannot_take.value_or("")},
                          {"checks", nlohmann::json::array()}};
    for (std::size_t i = 0; health != nullptr && i < health->checks().size(); ++i) {
        const auto& check = health->checks()[i];
        const auto& status = health->statuses()[i];
        out["checks"].push_back(
            {{"name", check.name},
             {"target", check.target()},
             {"state", takeover::to_string(status.state)},
             {"last_result", status.last_detail},
             {"consecutive_ok", status.consecutive_ok},
             {"consecutive_failed", status.consecutive_failed},
             {"runs", status.runs},
             {"failures", status.failures},
             {"state_changes", status.state_changes},
             {"last_change_age_ms",
              status.last_change_ns == 0 ? -1.0 : static_cast<double>(now - status.last_change_ns) / 1e6}});
    }
    return out;
}
}  // namespace

nlohmann::json node_status(Node& node, const ProcessStatus& process, std::int64_t now) {
    const Config& config = node.config();
    const role::RoleMachine& role = node.role();
    nlohmann::json out;
    out["role"] = wire::to_string(config.role);
    out["node_id"] = node.identity().node_id;
    out["boot_epoch"] = hex64(node.identity().boot_epoch);
    out["state"] = role::to_string(role.hold());
    out["term"] = role.term();
    out["holding"] = node.takeover().holding();
    out["transitions"] = role.counters().transitions;
    if (const auto& change = role.last_change()) {
        out["last_change"] = {
            {"from", role::to_string(change->from)}, {"to", role::to_string(change->to)}, {"reason", change->reason}};
    } else {
        out["last_change"] = nullptr;
    }
    out["peer"] = {
        {"state", detector::to_string(node.detector().peer_state())},
        {"sender_state", role.peer_sender_state() ? std::string(wire::to_string(*role.peer_sender_state())) : ""},
        {"term", role.peer_term()},
        {"restarts", node.detector().counters().peer_restarts}};
    out["links"] = nlohmann::json::array();
    for (std::size_t i = 0; i < node.detector().links().size(); ++i) {
        out["links"].push_back(link_status(node, process, i, now));
    }
    out["addresses_configured"] = nlohmann::json::array();
    for (const auto& address : config.addresses) {
        out["addresses_configured"].push_back(address.text() + "@" + address.interface);
    }
    out["addresses_held"] = process.addresses_held;
    out["hooks"] = nlohmann::json::array();
    for (const auto& hook : node.takeover().last_hook_results()) {
        out["hooks"].push_back(
            {{"name", hook.name}, {"exit", hook.exit_code}, {"timed_out", hook.timed_out}, {"refused", hook.refused}});
    }
    out["notifications"] = mail_status(process.mail);
    out["reloads"] = {{"handled", process.reloads_handled}, {"refused", process.reloads_refused}};
    const auto& counters = node.takeover().counters();
    out["counters"] = {{"takeovers", counters.acquisitions},
                       {"releases", counters.releases},
                       {"vetoed", counters.vetoed},
                       {"hook_failures", counters.hook_failures},
                       {"hooks_refused", counters.hooks_refused},
                       {"address_errors", counters.address_errors},
                       {"garps_sent", counters.garps_sent},
                       {"times_peer_dead", node.detector().counters().times_dead},
                       {"times_peer_degraded", node.detector().counters().times_degraded},
                       {"yielded_to_newer_term", role.counters().yielded_to_newer_term},
                       {"reasserted", role.counters().reasserted},
                       {"authentication_alarms", node.counters().authentication_alarms},
                       {"frames_accepted", node.intake().accepted()}};
    nlohmann::json drops = nlohmann::json::object();
    node.intake().drops().for_each_nonzero(
        [&](wire::DropReason reason, std::uint64_t count) { drops[std::string(wire::to_string(reason))] = count; });
    out["drops"] = drops;
    out["failback"] = to_string(config.failback);
    out["health"] = health_status(node, now);
    // Keys: the ids we accept, the one we send with, the one the peer's
    // newest accepted frame was signed with (docs/protocol.md, "Key rollover").
    const wire::Keyring* keyring = node.identity().keyring;
    const auto peer_key_id = node.intake().peer_key_id();
    out["auth"] = {{"key_ids", keyring != nullptr ? keyring->ids() : std::vector<std::uint32_t>{}},
                   {"send_key_id", keyring != nullptr ? nlohmann::json(keyring->send_id()) : nlohmann::json(nullptr)},
                   {"peer_key_id", peer_key_id ? nlohmann::json(*peer_key_id) : nlohmann::json(nullptr)}};
    return out;
}

}  // namespace fo::daemon
