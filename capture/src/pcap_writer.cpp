#include "fo/capture/pcap_writer.hpp"

#include <pcap/pcap.h>

#include <stdexcept>

namespace fo::capture {

struct PcapWriter::Handles {
    pcap_t* dead = nullptr;
    pcap_dumper_t* dumper = nullptr;
};

PcapWriter::PcapWriter(const std::string& path) : handles_(std::make_unique<Handles>()) {
    handles_->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    handles_->dumper = pcap_dump_open(handles_->dead, path.c_str());
    if (handles_->dumper == nullptr) {
        const std::string message = pcap_geterr(handles_->dead);
        pcap_close(handles_->dead);
        throw std::runtime_error("cannot write capture file " + path + ": " + message);
    }
}

PcapWriter::~PcapWriter() {
    pcap_dump_close(handles_->dumper);
    pcap_close(handles_->dead);
}

void PcapWriter::write(const CapturedPacket& packet) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(packet.timestamp_ns / 1'000'000'000);
    header.ts.tv_usec = static_cast<suseconds_t>(packet.timestamp_ns % 1'000'000'000);  // nanoseconds in a nano file
    header.caplen = static_cast<bpf_u_int32>(packet.data.size());
    header.len = packet.original_length;
    pcap_dump(reinterpret_cast<u_char*>(handles_->dumper), &header, packet.data.data());
}

void PcapWriter::flush() {
    pcap_dump_flush(handles_->dumper);
}

}  // namespace fo::capture
