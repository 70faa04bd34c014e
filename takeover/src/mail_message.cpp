#include "fo/takeover/mail_message.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace fo::takeover {

namespace {
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm utc(std::int64_t wall_ns) {
    const auto seconds = static_cast<std::time_t>(wall_ns / kNsPerSecond);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    return parts;
}

std::string one_line(const std::string& text) {
    std::string out = text;
    for (char& c : out) {
        if (c == '\r' || c == '\n') {
            c = ' ';
        }
    }
    return out;
}

/// Every line break of `text` as CRLF (RFC 5322 section 2.3: no bare LF or CR).
std::string crlf_lines(const std::string& text) {
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r') {
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
            out += "\r\n";
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    return out;
}
}  // namespace

std::string rfc5322_date(std::int64_t wall_ns) {
    const std::tm parts = utc(wall_ns);
    char text[48];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                  kDays.at(static_cast<std::size_t>(parts.tm_wday)), parts.tm_mday,
                  kMonths.at(static_cast<std::size_t>(parts.tm_mon)), parts.tm_year + 1900, parts.tm_hour, parts.tm_min,
                  parts.tm_sec);
    return text;
}

std::string rfc3339_time(std::int64_t wall_ns) {
    const std::tm parts = utc(wall_ns);
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1,
                  parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                  static_cast<int>((wall_ns % kNsPerSecond) / 1'000'000));
    return text;
}

std::string format_mail(const MailContent& content) {
    char message_id[96];
    // RFC 5322 section 3.6.4: unique left part, the host on the right.
    std::snprintf(message_id, sizeof message_id, "%llx.%llx", static_cast<unsigned long long>(content.wall_ns),
                  static_cast<unsigned long long>(content.unique));
    std::string out;
    out += "From: " + one_line(content.from) + "\r\n";
    out += "To: " + one_line(content.to) + "\r\n";
    out += "Subject: [failover " + one_line(content.node) + "] " + one_line(content.event) + "\r\n";
    out += "Date: " + rfc5322_date(content.wall_ns) + "\r\n";
    out += "Message-ID: <" + std::string(message_id) + ".failover@" + one_line(content.node) + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Transfer-Encoding: 8bit\r\n";
    out += "Auto-Submitted: auto-generated\r\n";  // RFC 3834 section 5
    out += "\r\n";
    out += "Event: " + one_line(content.event) + "\r\n";
    out += "Node: " + one_line(content.node) + "\r\n";
    out += "Time: " + rfc3339_time(content.wall_ns) + "\r\n";
    out += "Addresses:";
    for (const std::string& address : content.addresses) {
        out += " " + one_line(address);
    }
    out += content.addresses.empty() ? " none\r\n" : "\r\n";
    if (!content.details.empty()) {
        out += "\r\n" + crlf_lines(content.details);
        if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) {
            out += "\r\n";
        }
    }
    return out;
}

}  // namespace fo::takeover
