#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fo/takeover/edges.hpp"

namespace fo::address {

/// fo-address's exit codes; packaging/ocf/address maps them to OCF codes.
enum ExitCode : int {
    kSuccess = 0,           // acquired, released, held (status), valid (check)
    kFailed = 1,            // netlink, libnet or libpcap failed; the address is not as asked
    kBadArgument = 2,       // a malformed or out-of-range argument (OCF_ERR_CONFIGURED)
    kNotHeld = 3,           // status: the address is not on the interface (OCF_NOT_RUNNING)
    kNotOnThisHost = 4,     // the interface or the hooks directory is missing here (OCF_ERR_ARGS)
    kVetoed = 5,            // the Test hook said no
    kAnsweredElsewhere = 6  // RFC 5227: another host answers for the address; not claimed
};

enum class Command : std::uint8_t { acquire, release, status, check };

struct Options {
    Command command = Command::status;
    takeover::ServiceAddress address;
    int garp_count = 5;                             // the first one and 4 repeats, as the daemons' garp.repeat = 4
    std::int64_t garp_interval_ns = 100'000'000;    // paced: switches throttle back-to-back bursts
    bool garp_reply_form = false;                   // also as ARP replies (some stacks learn only from those)
    std::int64_t probe_ns = 100'000'000;            // RFC 5227 probing window before claiming; 0: no probe
    std::string hooks_dir;                          // empty: no hooks
    std::int64_t hook_timeout_ns = 10'000'000'000;  // the daemons' hook_timeout_ms default
    std::string label_suffix = "fo";                // the address is labelled INTERFACE:SUFFIX
    bool require_carrier = false;                   // status: a held address on a link without carrier fails
};

/// What the command line asked for: options to run, or an exit code and the
/// text to print (help, version, or an error that names the argument).
struct ParseResult {
    std::optional<Options> options;
    int exit_code = kSuccess;
    std::string message;  // for stderr when exit_code != 0, for stdout otherwise
};

/// Parses `fo-address COMMAND --interface IF --address A/PLEN [...]`
/// (arguments without the program name). Pure: touches no interface.
ParseResult parse_arguments(const std::vector<std::string>& arguments);

/// The label the kernel will show: INTERFACE:SUFFIX.
std::string address_label(const Options& options);

}  // namespace fo::address
