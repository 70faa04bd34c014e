#pragma once

#include <cstdint>
#include <string>

namespace fo::probe {

struct DecodeOptions {
    std::string file;
    std::string key_file;
    std::uint16_t port = 0;
    bool json = false;
};

/// Every frame of a pcap file: heartbeats with all their fields (MAC
/// verified when a key is given), ARP with its kind, and for anything else
/// that looked like ours, the drop reason. Never stops on a bad frame.
int run_decode(const DecodeOptions& options);

}  // namespace fo::probe
