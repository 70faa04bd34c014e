#include "decode_command.hpp"

#include <nlohmann/json.hpp>

#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <optional>

#include "fo/capture/pcap_source.hpp"
#include "fo/runtime/log.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/heartbeat.hpp"
#include "optional_key.hpp"

namespace fo::probe {

namespace {

/// The session a frame belongs to: the sender's boot epoch and the
/// receiver's epoch it echoes ("-" before the sender heard anyone).
std::string session_name(const wire::Heartbeat& beat) {
    char text[40];
    if (beat.echo_epoch == 0) {
        std::snprintf(text, sizeof text, "%016" PRIx64 ">-", beat.boot_epoch);
    } else {
        std::snprintf(text, sizeof text, "%016" PRIx64 ">%016" PRIx64, beat.boot_epoch, beat.echo_epoch);
    }
    return text;
}

std::string timestamp(std::int64_t ns) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%" PRId64 ".%09" PRId64, ns / 1'000'000'000, ns % 1'000'000'000);
    return buffer;
}

/// Not ours at all (another protocol or port): listed as "other", not as a drop.
bool unrelated(wire::DropReason reason) {
    return reason == wire::DropReason::not_ipv4 || reason == wire::DropReason::not_udp ||
           reason == wire::DropReason::wrong_port;
}

class Decoder final : public capture::PacketHandler {
  public:
    Decoder(const DecodeOptions& options, const wire::AuthKey* key) : options_(options), key_(key) {}

    void on_packet(const capture::CapturedPacket& packet) override {
        ++index_;
        const std::string time = packet.timestamp_malformed ? "malformed" : timestamp(packet.timestamp_ns);
        nlohmann::json entry{{"frame", index_}, {"time", time}, {"length", packet.data.size()}};
        if (packet.timestamp_malformed) {
            ++malformed_timestamps_;
            entry["timestamp_error"] = "sub-second field out of range (a second or more)";
        }
        auto heartbeat = wire::parse_heartbeat_frame(packet.data, options_.port);
        if (heartbeat) {
            describe_heartbeat(heartbeat.value(), entry);
        } else if (auto arp = wire::decode_arp_frame(packet.data)) {
            const wire::ArpFrame& frame = arp.value();
            entry["kind"] = "arp";
            entry["arp"] = {{"type", wire::to_string(frame.kind())},
                            {"sender_mac", frame.sender_mac.to_string()},
                            {"sender_ip", frame.sender_ip.to_string()},
                            {"target_mac", frame.target_mac.to_string()},
                            {"target_ip", frame.target_ip.to_string()},
                            {"ethernet_destination", frame.ethernet_destination.to_string()}};
            text_ = "arp " + std::string(wire::to_string(frame.kind())) + " " + frame.sender_mac.to_string() + " " +
                    frame.sender_ip.to_string() + " -> " + frame.target_ip.to_string();
        } else if (unrelated(heartbeat.reason()) && arp.reason() == wire::DropReason::not_arp) {
            entry["kind"] = "other";
            text_ = "other (" + std::string(wire::to_string(heartbeat.reason())) + ")";
        } else {
            const wire::DropReason reason =
                heartbeat.reason() == wire::DropReason::not_ipv4 ? arp.reason() : heartbeat.reason();
            entry["kind"] = "dropped";
            entry["drop_reason"] = wire::to_string(reason);
            text_ = "DROPPED " + std::string(wire::to_string(reason));
        }
        if (options_.json) {
            frames_.push_back(entry);
        } else {
            std::cout << index_ << " " << (packet.timestamp_malformed ? "MALFORMED-TIMESTAMP" : time) << " " << text_
                      << "\n";
        }
    }

    [[nodiscard]] const nlohmann::json& frames() const { return frames_; }
    [[nodiscard]] std::uint64_t malformed_timestamps() const { return malformed_timestamps_; }

  private:
    void describe_heartbeat(wire::HeartbeatFrame& frame, nlohmann::json& entry) {
        const wire::Heartbeat& beat = frame.beat;
        std::string verdict = "not verified (no key)";
        if (key_ != nullptr) {
            auto drop = wire::check_heartbeat_mac(frame, key_);
            verdict = drop ? std::string(wire::to_string(*drop)) : "verified";
        }
        entry["kind"] = "heartbeat";
        entry["mac"] = verdict;
        entry["heartbeat"] = {{"type", wire::to_string(beat.type)},
                              {"role", wire::to_string(beat.role)},
                              {"state", wire::to_string(beat.state)},
                              {"node_id", beat.node_id},
                              {"link_id", beat.link_id},
                              {"boot_epoch", beat.boot_epoch},
                              {"echo_epoch", beat.echo_epoch},
                              {"sequence", beat.sequence},
                              {"echo_sequence", beat.echo_sequence},
                              {"term", beat.term},
                              {"session", session_name(beat)},
                              {"tx_time_ns", beat.tx_time_ns},
                              {"interval_us", beat.interval_us},
                              {"auth", beat.auth == wire::AuthType::none ? "none" : "hmac-sha256-128"},
                              {"source_mac", frame.endpoints.source_mac.to_string()},
                              {"source_ip", frame.endpoints.source_ip.to_string()},
                              {"destination_ip", frame.endpoints.destination_ip.to_string()},
                              {"ttl", frame.ttl}};
        char line[256];
        std::snprintf(line, sizeof line,
                      "%s node %" PRIu32 " link %u %s/%s seq %" PRIu64 " session %s term %" PRIu64 " interval %" PRIu32
                      " us from %s %s, MAC %s",
                      std::string(wire::to_string(beat.type)).c_str(), beat.node_id, beat.link_id,
                      std::string(wire::to_string(beat.role)).c_str(), std::string(wire::to_string(beat.state)).c_str(),
                      beat.sequence, session_name(beat).c_str(), beat.term, beat.interval_us,
                      frame.endpoints.source_mac.to_string().c_str(), frame.endpoints.source_ip.to_string().c_str(),
                      verdict.c_str());
        text_ = line;
    }

    const DecodeOptions& options_;
    const wire::AuthKey* key_;
    std::uint64_t index_ = 0;
    std::uint64_t malformed_timestamps_ = 0;
    std::string text_;
    nlohmann::json frames_ = nlohmann::json::array();
};

}  // namespace

int run_decode(const DecodeOptions& options) {
    std::optional<wire::AuthKey> key;
    if (!load_optional_key(options.key_file, key)) {
        return 2;
    }
    auto source = capture::open_capture_file(options.file);
    Decoder decoder(options, key ? &*key : nullptr);
    int count = 0;
    std::string error;
    for (int round = 0; round < 10'000'000; ++round) {  // bounded: 2.5 G frames
        const auto status = source->read_waiting(decoder, 256, count);
        if (status == capture::PacketSource::ReadStatus::error) {
            error = source->error_message();
            break;
        }
        if (status != capture::PacketSource::ReadStatus::ok) {
            break;
        }
    }
    if (options.json) {
        nlohmann::json document{{"file", options.file}, {"frames", decoder.frames()}};
        if (!error.empty()) {
            document["error"] = error;
        }
        std::cout << document.dump(2) << std::endl;
    }
    if (decoder.malformed_timestamps() > 0) {
        std::cerr << "fo-probe: " << options.file << ": " << decoder.malformed_timestamps()
                  << " record(s) with a malformed timestamp\n";
    }
    if (!error.empty()) {
        std::cerr << "fo-probe: " << options.file << ": " << error << "\n";
        return 1;
    }
    return 0;
}

}  // namespace fo::probe
