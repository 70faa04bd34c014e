#include "fo/capture/bpf_filter.hpp"

#include <pcap/pcap.h>

#include <stdexcept>

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
