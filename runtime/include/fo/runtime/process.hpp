#pragma once

#include <cstdint>
#include <string>

namespace fo::runtime {

/// 64 random bits from getrandom(2): a boot epoch differs on every start.
std::uint64_t random_u64();

/// A node id stable across restarts: the first 32 bits of /etc/machine-id,
/// or random bits when the file is missing.
std::uint32_t default_node_id();

/// SCHED_FIFO (reset on fork: hooks run SCHED_OTHER) at `priority` and all memory locked, so a 1 ms beat is not
/// delayed by other tasks or page faults. Returns "" or what failed.
std::string enter_realtime(int priority);

}  // namespace fo::runtime
