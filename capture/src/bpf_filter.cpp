#include "fo/capture/bpf_filter.hpp"

#include <pcap/pcap.h>

#include <stdexcept>

#include "fo/wire/heartbeat.hpp"

namespace fo::capture {

std::string build_filter_expression(const FilterSpec& spec) {
    std::string not_ours;
    if (spec.exclude_source_mac) {
        not_ours = " and not ether src " + spec.exclude_source_mac->to_string();
    }
    std::string expression = "(ip and udp dst port " + std::to_string(spec.port) + not_ours + ")";
    if (spec.include_arp) {
        expression += " or (arp" + not_ours + ")";
    }
    if (spec.include_ndp) {
        expression += " or (icmp6 and (ip6[40] == 135 or ip6[40] == 136)" + not_ours + ")";
    }
    if (spec.include_adverts) {
        expression += " or (ip proto 112" + not_ours + ") or (ip6 proto 112" + not_ours + ")";
        if (spec.include_arp) {
            expression += " or (icmp6 and ip6[40] == 136" + not_ours + ")";
        }
    }
    return expression;
}

std::string build_wake_filter_expression(const FilterSpec& spec) {
    // Offsets from the UDP header: 8 bytes of it, then the payload's type
    // (byte 5) and state (byte 7), docs/protocol.md.
    constexpr int kType = 8 + 5;
    constexpr int kState = 8 + 7;
    const auto value = [](auto enumerator) { return std::to_string(static_cast<int>(enumerator)); };
    std::string expression = "ip and udp dst port " + std::to_string(spec.port);
    if (spec.exclude_source_mac) {
        expression += " and not ether src " + spec.exclude_source_mac->to_string();
    }
    return expression + " and (udp[" + std::to_string(kType) + "] != " + value(wire::MessageType::beat) + " or udp[" +
           std::to_string(kState) + "] == " + value(wire::SenderState::releasing) + " or udp[" +
           std::to_string(kState) + "] == " + value(wire::SenderState::stopping) + ")";
}

struct OfflineFilter::Program {
    bpf_program bpf{};
};

OfflineFilter::OfflineFilter(const std::string& expression) : program_(new Program) {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    const int status = pcap_compile(dead, &program_->bpf, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN);
    const std::string message = status != 0 ? pcap_geterr(dead) : "";
    pcap_close(dead);
    if (status != 0) {
        delete program_;
        throw std::invalid_argument("bad filter '" + expression + "': " + message);
    }
}

OfflineFilter::~OfflineFilter() {
    pcap_freecode(&program_->bpf);
    delete program_;
}

bool OfflineFilter::matches(std::span<const std::uint8_t> frame) const {
    pcap_pkthdr header{};
    header.caplen = static_cast<bpf_u_int32>(frame.size());
    header.len = header.caplen;
    return pcap_offline_filter(&program_->bpf, &header, frame.data()) != 0;
}

}  // namespace fo::capture
