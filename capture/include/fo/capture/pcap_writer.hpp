#pragma once

#include <memory>
#include <string>

#include "fo/capture/packet_source.hpp"

namespace fo::capture {

/// Writes Ethernet frames to a pcap file with nanosecond timestamps.
class PcapWriter {
  public:
    /// Throws std::runtime_error when the file cannot be created.
    explicit PcapWriter(const std::string& path);
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    void write(const CapturedPacket& packet);
    void flush();

  private:
    struct Handles;
    std::unique_ptr<Handles> handles_;
};

}  // namespace fo::capture
