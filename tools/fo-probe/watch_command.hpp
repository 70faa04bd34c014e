#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "fo/probe/beat_watch.hpp"

namespace fo::probe {

struct WatchOptions {
    std::string interface;   // live capture, or
    std::string read_file;   // a pcap file
    std::string write_file;  // also save what passed the filter
    double duration_s = 0;   // 0: until SIGINT/SIGTERM (or end of file)
    std::string key_file;
    std::uint16_t port = 0;
    bool json = false;
    bool arp = false;  // also capture and list ARP frames
};

int run_watch(const WatchOptions& options);

struct CaptureFigures {
    std::uint64_t received = 0;
    std::uint64_t dropped_by_kernel = 0;
};

nlohmann::json watch_report_json(const BeatWatch& watch, const WatchOptions& options, double elapsed_s,
                                 const CaptureFigures& capture, bool authenticated);
std::string watch_report_text(const BeatWatch& watch, double elapsed_s, const CaptureFigures& capture,
                              bool authenticated);

}  // namespace fo::probe
