// The simulation's log: a ring of the last lines (printed when an invariant
// fails) and, with FO_SIM_VERBOSE set, every line on stderr.

#include <cstdio>
#include <string>
#include <utility>

#include "pair_sim.hpp"

namespace fo::sim {

std::string PairSim::ms(std::int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f ms", static_cast<double>(ns) / 1e6);
    return text;
}

std::string PairSim::hex(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

std::string PairSim::host_name(int i) {
    return i == kPrimary ? "P" : (i == kSecondary ? "S" : "-");
}

std::string PairSim::describe(const RecordedFrame& frame) {
    return host_name(frame.sender) + "/" + (frame.link == kLan ? "lan0" : "priv0") + " " +
           std::string(wire::to_string(frame.beat.type)) + " state=" + std::string(wire::to_string(frame.beat.state)) +
           " term=" + std::to_string(frame.beat.term) + " seq=" + std::to_string(frame.beat.sequence) +
           " epoch=" + hex(frame.beat.boot_epoch).substr(0, 6) + " echo=" + hex(frame.beat.echo_epoch).substr(0, 6) +
           " sent " + ms(frame.sent_ns);
}

void PairSim::log_line(int host, const std::string& line) {
    std::string text = "[" + ms(now_) + "] " + host_name(host) + ": " + line;
    if (verbose_) {
        std::fprintf(stderr, "%s\n", text.c_str());
    }
    ring_.push_back(std::move(text));
    if (ring_.size() > 40) {
        ring_.pop_front();
    }
}

}  // namespace fo::sim
