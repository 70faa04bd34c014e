#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace fo::capture {

struct CapturedPacket {
    std::span<const std::uint8_t> data;  // valid only during the callback
    std::uint32_t original_length = 0;
    std::int64_t timestamp_ns = 0;  // CLOCK_REALTIME, from the kernel where it gives one
    /// A file's record whose sub-second field is a second or more (or whose
    /// seconds are negative): timestamp_ns then holds the seconds only.
    bool timestamp_malformed = false;
};

class PacketHandler {
  public:
    virtual ~PacketHandler() = default;
    virtual void on_packet(const CapturedPacket& packet) = 0;
};

struct CaptureStatistics {
    std::uint64_t received = 0;           // seen by the filter
    std::uint64_t dropped_by_kernel = 0;  // buffer overruns
};

/// Where frames come from: a live interface or a pcap file (libtins'
/// BaseSniffer/FileSniffer idea). Tests substitute a fake.
class PacketSource {
  public:
    virtual ~PacketSource() = default;

    /// An fd that becomes readable when packets wait; -1 for a file.
    [[nodiscard]] virtual int selectable_fd() const = 0;

    enum class ReadStatus : std::uint8_t { ok, end_of_file, error };
    /// Hands every packet already waiting (at most `max_packets`) to the
    /// handler without blocking; `count` says how many.
    virtual ReadStatus read_waiting(PacketHandler& handler, int max_packets, int& count) = 0;

    [[nodiscard]] virtual CaptureStatistics statistics() const = 0;

    /// After ReadStatus::error: what went wrong (libpcap's message).
    [[nodiscard]] virtual std::string error_message() const { return {}; }
};

}  // namespace fo::capture
