#include "decode_command.hpp"

#include <nlohmann/json.hpp>

#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <optional>

#include "fo/capture/pcap_source.hpp"
#include "fo/runtime/log.hpp"
#include "fo/wire/advert.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/ipv6.hpp"
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

/// A protocol-112 frame (VRRP, CARP): decoded, or dropped for a reason of its own.
bool advert_related(const wire::DecodeResult<wire::Advertisement>& advert) {
    return advert || wire::is_advert_drop(advert.reason());
}

std::string hex_bytes(std::span<const std::uint8_t> bytes) {
    std::string out;
    char pair[3];
    for (const std::uint8_t byte : bytes) {
        std::snprintf(pair, sizeof pair, "%02x", byte);
        out += pair;
    }
    return out;
}

/// An IPv6 neighbor advertisement: decoded, or dropped for a reason of its own.
bool neighbor_advert_related(const wire::DecodeResult<wire::NeighborAdvert>& advert) {
    return advert || advert.reason() == wire::DropReason::bad_neighbor_advert ||
           advert.reason() == wire::DropReason::bad_icmpv6_checksum;
}

void describe_neighbor_advert(const wire::NeighborAdvert& advert, nlohmann::json& entry, std::string& text) {
    entry["kind"] = "neighbor_advert";
    entry["neighbor_advert"] = {
        {"target", advert.target.to_string()},
        {"source_mac", advert.ethernet.source.to_string()},
        {"source_ip", advert.source.to_string()},
        {"destination_ip", advert.destination.to_string()},
        {"target_mac", advert.has_target_mac ? nlohmann::json(advert.target_mac.to_string()) : nlohmann::json(nullptr)},
        {"router", advert.router},
        {"solicited", advert.solicited},
        {"override", advert.override_flag}};
    text = std::string("na ") + (advert.solicited ? "solicited" : "unsolicited") + " " +
           advert.ethernet.source.to_string() + " " + advert.source.to_string() + " for " + advert.target.to_string();
}

/// An IPv6 neighbor solicitation: decoded, or dropped for a reason of its own.
bool neighbor_solicit_related(const wire::DecodeResult<wire::NeighborSolicit>& solicit) {
    return solicit || solicit.reason() == wire::DropReason::bad_neighbor_solicit ||
           solicit.reason() == wire::DropReason::bad_icmpv6_checksum;
}

void describe_neighbor_solicit(const wire::NeighborSolicit& solicit, nlohmann::json& entry, std::string& text) {
    entry["kind"] = "neighbor_solicit";
    entry["neighbor_solicit"] = {
        {"target", solicit.target.to_string()},
        {"source_mac", solicit.ethernet.source.to_string()},
        {"source_ip", solicit.source.to_string()},
        {"destination_ip", solicit.destination.to_string()},
        {"source_link_mac",
         solicit.has_source_mac ? nlohmann::json(solicit.source_mac.to_string()) : nlohmann::json(nullptr)},
        {"dad", solicit.is_dad_probe()}};
    text = std::string("ns ") + (solicit.is_dad_probe() ? "dad" : "resolve") + " " +
           solicit.ethernet.source.to_string() + " " + solicit.source.to_string() + " for " +
           solicit.target.to_string();
}

/// The fields of a VRRP or CARP advert, as JSON and as one text line.
void describe_advert(const wire::Advertisement& advert, nlohmann::json& entry, std::string& text) {
    const wire::AdvertEnvelope& envelope = wire::envelope_of(advert);
    nlohmann::json fields{{"protocol", wire::protocol_name(advert)},
                          {"family", envelope.source.v6 ? "ipv6" : "ipv4"},
                          {"source_mac", envelope.source_mac.to_string()},
                          {"destination_mac", envelope.destination_mac.to_string()},
                          {"source_ip", envelope.source.to_string()},
                          {"destination_ip", envelope.destination.to_string()},
                          {"ttl", envelope.ttl},
                          {"advert_interval_us", wire::advert_interval_us_of(advert)}};
    char line[256];
    if (const auto* vrrp = std::get_if<wire::VrrpAdvertisement>(&advert)) {
        nlohmann::json addresses = nlohmann::json::array();
        std::string address_text;
        for (const wire::IpAddress& address : vrrp->addresses) {
            addresses.push_back(address.to_string());
            address_text += " " + address.to_string();
        }
        fields.update({{"version", vrrp->version},
                       {"type", vrrp->type},
                       {"vrid", vrrp->vrid},
                       {"priority", vrrp->priority},
                       {"address_count", vrrp->address_count},
                       {"advert_interval", vrrp->advert_interval},
                       {"checksum", vrrp->checksum},
                       {"addresses", addresses}});
        if (vrrp->version == wire::kVrrpVersion2) {
            fields["auth_type"] = vrrp->auth_type;
        }
        std::snprintf(line, sizeof line, "vrrp%u vrid %u priority %u interval %u %s from %s %s, addresses%s",
                      vrrp->version, vrrp->vrid, vrrp->priority, vrrp->advert_interval,
                      vrrp->version == wire::kVrrpVersion2 ? "s" : "cs", envelope.source_mac.to_string().c_str(),
                      envelope.source.to_string().c_str(), address_text.c_str());
    } else {
        const auto& carp = std::get<wire::CarpAdvertisement>(advert);
        fields.update({{"version", carp.version},
                       {"type", carp.type},
                       {"vhid", carp.vhid},
                       {"advbase", carp.advbase},
                       {"advskew", carp.advskew},
                       {"auth_length", carp.auth_length},
                       {"demotion", carp.demotion},
                       {"checksum", carp.checksum},
                       {"counter", carp.counter},
                       {"digest", hex_bytes(carp.digest)},
                       {"digest_verified", false}});
        std::snprintf(line, sizeof line,
                      "carp vhid %u advbase %u advskew %u counter %" PRIu64 " from %s %s, HMAC-SHA1 not verified",
                      carp.vhid, carp.advbase, carp.advskew, carp.counter, envelope.source_mac.to_string().c_str(),
                      envelope.source.to_string().c_str());
    }
    entry["kind"] = "advert";
    entry["advert"] = fields;
    text = line;
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
        } else if (auto advert = wire::decode_advert_frame(packet.data);
                   unrelated(heartbeat.reason()) && advert_related(advert)) {
            if (advert) {
                describe_advert(advert.value(), entry, text_);
            } else {
                entry["kind"] = "dropped";
                entry["drop_reason"] = wire::to_string(advert.reason());
                text_ = "DROPPED " + std::string(wire::to_string(advert.reason()));
            }
        } else if (auto neighbor = wire::decode_neighbor_advert_frame(packet.data);
                   unrelated(heartbeat.reason()) && neighbor_advert_related(neighbor)) {
            if (neighbor) {
                describe_neighbor_advert(neighbor.value(), entry, text_);
            } else {
                entry["kind"] = "dropped";
                entry["drop_reason"] = wire::to_string(neighbor.reason());
                text_ = "DROPPED " + std::string(wire::to_string(neighbor.reason()));
            }
        } else if (auto solicit = wire::decode_neighbor_solicit_frame(packet.data);
                   unrelated(heartbeat.reason()) && neighbor_solicit_related(solicit)) {
            if (solicit) {
                describe_neighbor_solicit(solicit.value(), entry, text_);
            } else {
                entry["kind"] = "dropped";
                entry["drop_reason"] = wire::to_string(solicit.reason());
                text_ = "DROPPED " + std::string(wire::to_string(solicit.reason()));
            }
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
                              {"key_id", beat.key_id},
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
