#include "fo/address/options.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>

#include "fo/takeover/ipv6_service.hpp"
#include "fo/version.hpp"
#include "fo/wire/heartbeat.hpp"

namespace fo::address {

namespace {

constexpr std::size_t kMaximumNameLength = 15;  // IFNAMSIZ - 1: interface names and address labels
constexpr std::int64_t kNanosPerMilli = 1'000'000;

struct Range {
    const char* flag;
    std::int64_t minimum;
    std::int64_t maximum;
};
constexpr Range kGarpCount{"--garp-count", 1, 100};
constexpr Range kGarpIntervalMs{"--garp-interval-ms", 1, 60'000};  // the daemons' garp.interval_ms bounds
constexpr Range kProbeMs{"--probe-ms", 0, 10'000};
constexpr Range kHookTimeoutMs{"--hook-timeout-ms", 1, 3'600'000};  // the daemons' hook_timeout_ms bounds

/// The raw text of every option, checked after CLI11 has split the line.
struct RawOptions {
    std::string interface;
    std::string address;
    std::int64_t garp_count = 0;
    std::int64_t garp_interval_ms = 0;
    std::int64_t probe_ms = 0;
    std::int64_t hook_timeout_ms = 0;
};

std::optional<std::string> out_of_range(const Range& range, std::int64_t value) {
    if (value >= range.minimum && value <= range.maximum) {
        return std::nullopt;
    }
    return std::string(range.flag) + " " + std::to_string(value) + " is not between " + std::to_string(range.minimum) +
           " and " + std::to_string(range.maximum);
}

std::optional<std::string> interface_problem(const std::string& name) {
    if (name.empty()) {
        return "--interface is required (the link that carries the address, e.g. eth0)";
    }
    const bool bad_character = std::any_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) != 0 ||
               std::iscntrl(static_cast<unsigned char>(c)) != 0;
    });
    if (name.size() > kMaximumNameLength || bad_character || name == "." || name == "..") {
        return "--interface '" + name + "' is not an interface name (at most 15 characters, no '/', ':' or blanks)";
    }
    return std::nullopt;
}

bool unusable(wire::Ipv4Address ip) {
    const std::uint32_t top = ip.value >> 24U;
    return ip.value == 0 || top == 127U || top >= 224U;  // unspecified, loopback, multicast (224/4), reserved (240/4)
}

/// The prefix after the slash: 1 to `longest`, in as many digits at most.
std::optional<int> parse_prefix(const std::string& digits, int longest) {
    if (digits.empty() || digits.size() > std::to_string(longest).size() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    const int length = std::stoi(digits);
    if (length < 1 || length > longest) {
        return std::nullopt;
    }
    return length;
}

std::optional<std::string> parse_ipv4(const std::string& flag, const std::string& host, const std::string& prefix,
                                      takeover::ServiceAddress& out) {
    constexpr int kIpv4Bits = 32;
    const auto ip = wire::Ipv4Address::parse(host);
    if (!ip) {
        return flag + ": '" + host + "' is not an IPv4 address";
    }
    const auto length = parse_prefix(prefix, kIpv4Bits);
    if (!length) {
        return flag + ": the prefix '" + prefix + "' is not 1 to 32";
    }
    if (unusable(*ip)) {
        return flag + ": " + host + " is unspecified, loopback, multicast or reserved";
    }
    const std::uint32_t host_bits = *length == kIpv4Bits ? 0U : ~std::uint32_t{0} >> static_cast<unsigned>(*length);
    if (*length <= 30 && ((ip->value & host_bits) == 0 || (ip->value & host_bits) == host_bits)) {
        return flag + ": " + host + " is the network or broadcast address of its /" + prefix;
    }
    out.address = *ip;
    out.prefix_length = *length;
    return std::nullopt;
}

/// As the daemons' [[address]]: /1 to /128, no address that cannot move
/// between hosts (takeover::ipv6_service_address_problem).
std::optional<std::string> parse_ipv6(const std::string& flag, const std::string& host, const std::string& prefix,
                                      takeover::ServiceAddress& out) {
    constexpr int kIpv6Bits = 128;
    const auto ip = wire::Ipv6Address::parse(host);
    if (!ip) {
        return flag + ": '" + host + "' is not an IPv6 address";
    }
    const auto length = parse_prefix(prefix, kIpv6Bits);
    if (!length) {
        return flag + ": the prefix '" + prefix + "' is not 1 to 128";
    }
    if (auto problem = takeover::ipv6_service_address_problem(*ip)) {
        return flag + ": " + *problem;
    }
    out.ipv6 = *ip;
    out.prefix_length = *length;
    return std::nullopt;
}

std::optional<std::string> parse_address(const std::string& text, takeover::ServiceAddress& out) {
    const std::string flag = "--address '" + text + "'";
    if (text.empty()) {
        return "--address is required (ADDRESS/PREFIX, e.g. 198.51.100.10/24 or 2001:db8::10/64)";
    }
    const std::size_t slash = text.find('/');
    const std::string host = text.substr(0, slash);
    const bool ipv6 = host.find(':') != std::string::npos;
    if (slash == std::string::npos &&
        (ipv6 ? wire::Ipv6Address::parse(host).has_value() : wire::Ipv4Address::parse(host).has_value())) {
        return flag + " has no /PREFIX (write ADDRESS/PREFIX, e.g. " + text + (ipv6 ? "/64)" : "/24)");
    }
    const std::string prefix = slash == std::string::npos ? "" : text.substr(slash + 1);
    return ipv6 ? parse_ipv6(flag, host, prefix, out) : parse_ipv4(flag, host, prefix, out);
}

std::optional<std::string> label_problem(const Options& options) {
    const std::string& suffix = options.label_suffix;
    const bool plain = !suffix.empty() && std::all_of(suffix.begin(), suffix.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
    });
    if (!plain) {
        return "--label-suffix '" + suffix + "' must be letters, digits, '-', '_' or '.'";
    }
    const std::string label = address_label(options);
    if (label.size() > kMaximumNameLength) {
        return "--label-suffix '" + suffix + "': the label '" + label + "' is longer than 15 characters";
    }
    return std::nullopt;
}

void add_common_options(CLI::App& command, RawOptions& raw, Options& options) {
    command.add_option("-i,--interface", raw.interface, "the interface that carries the address, e.g. eth0");
    command.add_option("-a,--address", raw.address,
                       "the service address as ADDRESS/PREFIX, e.g. 198.51.100.10/24 or 2001:db8::10/64");
    command
        .add_option("--garp-count", raw.garp_count,
                    "gratuitous ARPs (IPv6: unsolicited NAs) after adding the address (1 to 100)")
        ->default_str("5");
    command.add_option("--garp-interval-ms", raw.garp_interval_ms, "between gratuitous ARPs or NAs (1 to 60000)")
        ->default_str("100");
    command.add_flag("--garp-reply-form", options.garp_reply_form,
                     "send each gratuitous ARP as a reply too (IPv4 only)");
    command
        .add_option("--probe-ms", raw.probe_ms, "RFC 5227 (IPv6: DAD) probing before claiming, 0: none (0 to 10000)")
        ->default_str("100");
    command.add_option("--hooks", options.hooks_dir, "hook directory (Test, PreAcq, PostAcq, PreRel, PostRel)");
    command.add_option("--hook-timeout-ms", raw.hook_timeout_ms, "per hook, then TERM, then KILL (1 to 3600000)")
        ->default_str("10000");
    command.add_option("--label-suffix", options.label_suffix, "label the address INTERFACE:SUFFIX (IPv4 only)")
        ->default_str("fo");
    command.add_flag("--require-carrier", options.require_carrier,
                     "status: fail when the address is held on a link without carrier");
}

std::optional<std::string> check(const RawOptions& raw, Options& options) {
    if (auto problem = interface_problem(raw.interface)) {
        return problem;
    }
    options.address.interface = raw.interface;
    if (auto problem = parse_address(raw.address, options.address)) {
        return problem;
    }
    for (const auto& [range, value] : {std::pair{kGarpCount, raw.garp_count},
                                       {kGarpIntervalMs, raw.garp_interval_ms},
                                       {kProbeMs, raw.probe_ms},
                                       {kHookTimeoutMs, raw.hook_timeout_ms}}) {
        if (auto problem = out_of_range(range, value)) {
            return problem;
        }
    }
    options.garp_count = static_cast<int>(raw.garp_count);
    options.garp_interval_ns = raw.garp_interval_ms * kNanosPerMilli;
    options.probe_ns = raw.probe_ms * kNanosPerMilli;
    options.hook_timeout_ns = raw.hook_timeout_ms * kNanosPerMilli;
    if (!options.hooks_dir.empty() && options.hooks_dir.front() != '/') {
        return "--hooks '" + options.hooks_dir + "' must be an absolute path";
    }
    return label_problem(options);
}

}  // namespace

std::string address_label(const Options& options) {
    return options.address.interface + ":" + options.label_suffix;
}

ParseResult parse_arguments(const std::vector<std::string>& arguments) {
    CLI::App app{
        "fo-address: holds a service address with fastfailover's takeover path (for Pacemaker's "
        "ocf:fastfailover:address)",
        "fo-address"};
    app.set_version_flag("--version", version_line("fo-address"));
    app.require_subcommand(1);
    Options options;
    const Options defaults;
    RawOptions raw{"",
                   "",
                   defaults.garp_count,
                   defaults.garp_interval_ns / kNanosPerMilli,
                   defaults.probe_ns / kNanosPerMilli,
                   defaults.hook_timeout_ns / kNanosPerMilli};
    const std::vector<std::pair<Command, const char*>> commands{
        {Command::acquire,
         "probe (RFC 5227, IPv6: DAD), Test, PreAcq, add without DAD, gratuitous ARPs (IPv6: unsolicited NAs), "
         "PostAcq"},
        {Command::release, "PreRel, remove, PostRel (no Test: a cluster manager's stop is not vetoed)"},
        {Command::status, "exit 0 when the address is on the interface, 3 when not"},
        {Command::check, "validate the arguments against this host"}};
    const std::vector<std::string> names{"acquire", "release", "status", "check"};
    std::vector<CLI::App*> subcommands;
    for (std::size_t i = 0; i < commands.size(); ++i) {
        CLI::App* command = app.add_subcommand(names[i], commands[i].second);
        add_common_options(*command, raw, options);
        subcommands.push_back(command);
    }

    ParseResult result;
    if (arguments.empty() || (arguments.front().rfind('-', 0) != 0 &&
                              std::find(names.begin(), names.end(), arguments.front()) == names.end())) {
        result.exit_code = kBadArgument;
        result.message =
            "fo-address: " +
            (arguments.empty() ? std::string("no command") : "'" + arguments.front() + "' is not a command") +
            ": give acquire, release, status or check (fo-address --help)\n";
        return result;
    }
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        result.message = app.help();
        return result;
    } catch (const CLI::CallForVersion&) {
        result.message = app.version() + "\n";
        return result;
    } catch (const CLI::ParseError& error) {
        result.exit_code = kBadArgument;
        result.message = std::string("fo-address: ") + error.what() + " (fo-address --help lists the arguments)\n";
        return result;
    }
    for (std::size_t i = 0; i < commands.size(); ++i) {
        if (subcommands[i]->parsed()) {
            options.command = commands[i].first;
        }
    }
    if (auto problem = check(raw, options)) {
        result.exit_code = kBadArgument;
        result.message = "fo-address: " + *problem + "\n";
        return result;
    }
    result.options = options;
    return result;
}

}  // namespace fo::address
