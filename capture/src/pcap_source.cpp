#include "fo/capture/pcap_source.hpp"

#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>

namespace fo::capture {

namespace {

class PcapSource final : public PacketSource {
  public:
    PcapSource(pcap_t* handle, bool live) : handle_(handle), live_(live) {
        precision_is_nano_ = pcap_get_tstamp_precision(handle_) == PCAP_TSTAMP_PRECISION_NANO;
        fd_ = live_ ? pcap_get_selectable_fd(handle_) : -1;
    }
    ~PcapSource() override { pcap_close(handle_); }
    PcapSource(const PcapSource&) = delete;
    PcapSource& operator=(const PcapSource&) = delete;

    [[nodiscard]] int selectable_fd() const override { return fd_; }

    ReadStatus read_waiting(PacketHandler& handler, int max_packets, int& count) override {
        Context context{this, &handler};
        const int result =
            pcap_dispatch(handle_, max_packets, &PcapSource::trampoline, reinterpret_cast<u_char*>(&context));
        count = result > 0 ? result : 0;
        if (result == PCAP_ERROR) {
            return ReadStatus::error;
        }
        if (!live_ && result == 0) {
            return ReadStatus::end_of_file;
        }
        return ReadStatus::ok;
    }

    [[nodiscard]] std::string error_message() const override { return pcap_geterr(handle_); }

    [[nodiscard]] CaptureStatistics statistics() const override {
        CaptureStatistics result;
        pcap_stat stats{};
        if (live_ && pcap_stats(handle_, &stats) == 0) {
            result.received = stats.ps_recv;
            result.dropped_by_kernel = stats.ps_drop;
        }
        return result;
    }

  private:
    struct Context {
        PcapSource* self;
        PacketHandler* handler;
    };

    static void trampoline(u_char* user, const pcap_pkthdr* header, const u_char* bytes) {
        auto* context = reinterpret_cast<Context*>(user);
        const std::int64_t fraction =
            context->self->precision_is_nano_ ? header->ts.tv_usec : header->ts.tv_usec * std::int64_t{1000};
        CapturedPacket packet;
        packet.data = std::span<const std::uint8_t>(bytes, header->caplen);
        packet.original_length = header->len;
        const std::int64_t one_second = context->self->precision_is_nano_ ? 1'000'000'000 : 1'000'000;
        packet.timestamp_malformed =
            header->ts.tv_usec < 0 || header->ts.tv_usec >= one_second || header->ts.tv_sec < 0;
        packet.timestamp_ns =
            static_cast<std::int64_t>(header->ts.tv_sec) * 1'000'000'000 + (packet.timestamp_malformed ? 0 : fraction);
        context->handler->on_packet(packet);
    }

    pcap_t* handle_;
    bool live_;
    bool precision_is_nano_ = false;
    int fd_ = -1;
};

void apply_filter(pcap_t* handle, const std::string& filter, const std::string& where) {
    if (filter.empty()) {
        return;
    }
    bpf_program program{};
    if (pcap_compile(handle, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        const std::string message = pcap_geterr(handle);
        pcap_close(handle);
        throw std::runtime_error("bad capture filter '" + filter + "' on " + where + ": " + message);
    }
    const int status = pcap_setfilter(handle, &program);
    pcap_freecode(&program);
    if (status != 0) {
        const std::string message = pcap_geterr(handle);
        pcap_close(handle);
        throw std::runtime_error("cannot install capture filter on " + where + ": " + message);
    }
}

[[noreturn]] void fail(pcap_t* handle, const std::string& what) {
    const std::string message = handle != nullptr ? pcap_geterr(handle) : "";
    if (handle != nullptr) {
        pcap_close(handle);
    }
    throw std::runtime_error(what + (message.empty() ? "" : ": " + message));
}

}  // namespace

std::unique_ptr<PacketSource> open_live_capture(const LiveCaptureOptions& options) {
    char error[PCAP_ERRBUF_SIZE] = {};
    pcap_t* handle = pcap_create(options.interface.c_str(), error);
    if (handle == nullptr) {
        throw std::runtime_error("cannot capture on " + options.interface + ": " + error);
    }
    const std::string where = "interface " + options.interface;
    if (pcap_set_snaplen(handle, options.snap_length) != 0 ||
        pcap_set_promisc(handle, options.promiscuous ? 1 : 0) != 0 || pcap_set_immediate_mode(handle, 1) != 0 ||
        pcap_set_buffer_size(handle, options.buffer_bytes) != 0) {
        fail(handle, "cannot configure capture on " + where);
    }
    // Nanosecond precision where the kernel gives it; microseconds otherwise.
    (void)pcap_set_tstamp_precision(handle, PCAP_TSTAMP_PRECISION_NANO);
    const int status = pcap_activate(handle);
    if (status < 0) {
        fail(handle, "cannot open " + where + " for capture (" + std::string(pcap_statustostr(status)) + ")");
    }
    if (pcap_datalink(handle) != DLT_EN10MB) {
        pcap_close(handle);
        throw std::runtime_error(where + " is not Ethernet");
    }
    apply_filter(handle, options.filter, where);
    if (options.ignore_outgoing) {
        const int on = 1;
        (void)setsockopt(pcap_fileno(handle), SOL_PACKET, PACKET_IGNORE_OUTGOING, &on, sizeof on);
    }
    for (const wire::MacAddress& group : options.multicast_groups) {
        packet_mreq membership{};
        membership.mr_ifindex = static_cast<int>(if_nametoindex(options.interface.c_str()));
        membership.mr_type = PACKET_MR_MULTICAST;
        membership.mr_alen = static_cast<unsigned short>(group.octets.size());
        std::copy(group.octets.begin(), group.octets.end(), std::begin(membership.mr_address));
        if (setsockopt(pcap_fileno(handle), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof membership) != 0) {
            const std::string reason = std::strerror(errno);
            pcap_close(handle);
            throw std::runtime_error("cannot join multicast group " + group.to_string() + " on " + where + ": " +
                                     reason);
        }
    }
    if (pcap_setnonblock(handle, 1, error) != 0) {
        pcap_close(handle);
        throw std::runtime_error("cannot make capture on " + where + " non-blocking: " + error);
    }
    return std::make_unique<PcapSource>(handle, true);
}

std::unique_ptr<PacketSource> open_capture_file(const std::string& path, const std::string& filter) {
    char error[PCAP_ERRBUF_SIZE] = {};
    pcap_t* handle = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
    if (handle == nullptr) {
        throw std::runtime_error("cannot read capture file " + path + ": " + error);
    }
    if (const int link_type = pcap_datalink(handle); link_type != DLT_EN10MB) {
        pcap_close(handle);
        throw std::runtime_error("capture file " + path + " is not Ethernet (link type " + std::to_string(link_type) +
                                 ")");
    }
    apply_filter(handle, filter, "file " + path);
    return std::make_unique<PcapSource>(handle, false);
}

}  // namespace fo::capture
