#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fo::takeover {

/// What one notification mail says (docs/design.md, "Notifications").
struct MailContent {
    std::string from;
    std::string to;
    std::string node;                    // this host's name
    std::string event;                   // the notification's subject ("acquired", ...)
    std::string details;                 // its body (may be empty)
    std::vector<std::string> addresses;  // the service addresses, "198.51.100.100/24@lan0"
    std::int64_t wall_ns = 0;            // when it happened (CLOCK_REALTIME)
    std::uint64_t unique = 0;            // makes the Message-ID unique with wall_ns and node
};

/// "Fri, 27 Nov 2026 16:42:35 +0000" (RFC 5322 section 3.3), in UTC.
std::string rfc5322_date(std::int64_t wall_ns);

/// "2026-11-27T16:42:35.123Z" (RFC 3339).
std::string rfc3339_time(std::int64_t wall_ns);

/// A whole RFC 5322 message (headers From, To, Subject, Date, Message-ID,
/// MIME-Version, Content-Type; CRLF line ends; plain text body with the
/// event, node, time, addresses and details). Line breaks in a header value
/// become spaces: nothing from an event can add a header.
std::string format_mail(const MailContent& content);

}  // namespace fo::takeover
