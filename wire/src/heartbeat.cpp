#include "fo/wire/heartbeat.hpp"

#include <algorithm>

#include "fo/wire/byte_reader.hpp"

namespace fo::wire {

namespace {
bool known_type(std::uint8_t value) {
    return value >= static_cast<std::uint8_t>(MessageType::beat) &&
           value <= static_cast<std::uint8_t>(MessageType::released);
}
bool known_role(std::uint8_t value) {
    return value == static_cast<std::uint8_t>(Role::primary) || value == static_cast<std::uint8_t>(Role::secondary);
}
bool known_state(std::uint8_t value) {
    return value <= static_cast<std::uint8_t>(SenderState::stopping);
}
bool known_auth(std::uint8_t value) {
    return value <= static_cast<std::uint8_t>(AuthType::hmac_sha256_128);
}

void write_fields(ByteWriter& writer, const Heartbeat& beat, AuthType auth) {
    writer.write_u32(kHeartbeatMagic);
    writer.write_u8(kHeartbeatVersion);
    writer.write_u8(static_cast<std::uint8_t>(beat.type));
    writer.write_u8(static_cast<std::uint8_t>(beat.role));
    writer.write_u8(static_cast<std::uint8_t>(beat.state));
    writer.write_u8(static_cast<std::uint8_t>(auth));
    writer.write_u8(beat.link_id);
    writer.write_u16(static_cast<std::uint16_t>(kHeartbeatPayloadSize));
    writer.write_u32(beat.node_id);
    writer.write_u64(beat.boot_epoch);
    writer.write_u64(beat.echo_epoch);
    writer.write_u64(beat.sequence);
    writer.write_u64(beat.echo_sequence);
    writer.write_u64(beat.term);
    writer.write_u64(beat.tx_time_ns);
    writer.write_u32(beat.interval_us);
    writer.write_u32(beat.generation);
    writer.write_u32(beat.key_id);
    writer.write_u32(beat.echo_generation);
}
}  // namespace

std::string_view to_string(MessageType type) {
    switch (type) {
        case MessageType::beat: return "beat";
        case MessageType::release_request: return "release-request";
        case MessageType::released: return "released";
    }
    return "unknown";
}

std::string_view to_string(Role role) {
    switch (role) {
        case Role::primary: return "primary";
        case Role::secondary: return "secondary";
    }
    return "unknown";
}

std::string_view to_string(SenderState state) {
    switch (state) {
        case SenderState::starting: return "starting";
        case SenderState::standby: return "standby";
        case SenderState::active: return "active";
        case SenderState::releasing: return "releasing";
        case SenderState::stopping: return "stopping";
    }
    return "unknown";
}

void encode_heartbeat_payload(const Heartbeat& beat, const AuthKey* key,
                              std::span<std::uint8_t, kHeartbeatPayloadSize> out) {
    ByteWriter writer(out);
    write_fields(writer, beat, key != nullptr ? AuthType::hmac_sha256_128 : AuthType::none);
    if (key != nullptr) {
        writer.write_bytes(key->compute(std::span<const std::uint8_t>(out).first(kHeartbeatAuthenticatedSize)));
    } else {
        writer.write_zeros(kMacSize);
    }
}

void sign_heartbeat_payload(const Heartbeat& beat, const Keyring* keyring,
                            std::span<std::uint8_t, kHeartbeatPayloadSize> out) {
    if (keyring == nullptr || keyring->send_key() == nullptr) {
        encode_heartbeat_payload(beat, nullptr, out);
        return;
    }
    Heartbeat signed_beat = beat;
    signed_beat.key_id = keyring->send_id();
    encode_heartbeat_payload(signed_beat, keyring->send_key(), out);
}

std::size_t encode_heartbeat_frame(const UdpEndpoints& endpoints, const Heartbeat& beat, const AuthKey* key,
                                   std::span<std::uint8_t> out) {
    HeartbeatPayload payload{};
    encode_heartbeat_payload(beat, key, payload);
    return encode_udp_frame(endpoints, payload, out);
}

DecodeResult<HeartbeatFrame> parse_heartbeat_frame(std::span<const std::uint8_t> frame, std::uint16_t port) {
    auto datagram = decode_udp_frame(frame, port);
    if (!datagram) {
        return datagram.reason();
    }
    ByteReader reader(datagram->payload);
    std::uint32_t magic = 0;
    if (!reader.can_read(kHeartbeatPayloadSize)) {
        // Magic and version first, so that a short frame of a future version
        // or of another protocol is reported as such.
        if (reader.read_u32(magic) && magic != kHeartbeatMagic) {
            return DropReason::bad_magic;
        }
        return DropReason::payload_too_short;
    }
    HeartbeatFrame result;
    result.endpoints = datagram->endpoints;
    result.ttl = datagram->ttl;
    std::copy_n(datagram->payload.begin(), kHeartbeatPayloadSize, result.payload.begin());

    std::uint8_t version = 0;
    std::uint8_t type = 0;
    std::uint8_t role = 0;
    std::uint8_t state = 0;
    std::uint8_t auth = 0;
    std::uint16_t length = 0;
    Heartbeat& beat = result.beat;
    reader.read_u32(magic);
    if (magic != kHeartbeatMagic) {
        return DropReason::bad_magic;
    }
    reader.read_u8(version);
    if (version != kHeartbeatVersion) {
        return DropReason::unknown_version;
    }
    reader.read_u8(type);
    reader.read_u8(role);
    reader.read_u8(state);
    reader.read_u8(auth);
    reader.read_u8(beat.link_id);
    reader.read_u16(length);
    if (length != kHeartbeatPayloadSize || datagram->payload.size() != kHeartbeatPayloadSize) {
        return DropReason::bad_length;
    }
    if (!known_type(type) || !known_role(role) || !known_state(state) || !known_auth(auth)) {
        return DropReason::unknown_message_type;
    }
    beat.type = static_cast<MessageType>(type);
    beat.role = static_cast<Role>(role);
    beat.state = static_cast<SenderState>(state);
    beat.auth = static_cast<AuthType>(auth);
    reader.read_u32(beat.node_id);
    reader.read_u64(beat.boot_epoch);
    reader.read_u64(beat.echo_epoch);
    reader.read_u64(beat.sequence);
    reader.read_u64(beat.echo_sequence);
    reader.read_u64(beat.term);
    reader.read_u64(beat.tx_time_ns);
    reader.read_u32(beat.interval_us);
    reader.read_u32(beat.generation);
    reader.read_u32(beat.key_id);
    reader.read_u32(beat.echo_generation);
    return result;
}

std::optional<DropReason> check_heartbeat_mac(HeartbeatFrame& frame, const AuthKey* key) {
    frame.mac_verified = false;
    if (key == nullptr) {
        return std::nullopt;
    }
    if (frame.beat.auth != AuthType::hmac_sha256_128) {
        return DropReason::auth_missing;
    }
    const std::span<const std::uint8_t> payload(frame.payload);
    if (!key->verify(payload.first(kHeartbeatAuthenticatedSize), payload.subspan(kHeartbeatAuthenticatedSize))) {
        return DropReason::bad_mac;
    }
    frame.mac_verified = true;
    return std::nullopt;
}

std::optional<DropReason> check_heartbeat_mac_with(HeartbeatFrame& frame, const Keyring* keyring) {
    frame.mac_verified = false;
    if (keyring == nullptr) {
        return std::nullopt;
    }
    if (frame.beat.auth != AuthType::hmac_sha256_128) {
        return DropReason::auth_missing;
    }
    const AuthKey* key = keyring->find(frame.beat.key_id);
    if (key == nullptr) {
        return DropReason::unknown_key_id;
    }
    return check_heartbeat_mac(frame, key);
}

DecodeResult<HeartbeatFrame> decode_heartbeat_frame(std::span<const std::uint8_t> frame,
                                                    const HeartbeatDecodeOptions& options) {
    auto parsed = parse_heartbeat_frame(frame, options.port);
    if (!parsed) {
        return parsed;
    }
    const auto drop = options.keyring != nullptr ? check_heartbeat_mac_with(parsed.value(), options.keyring)
                                                 : check_heartbeat_mac(parsed.value(), options.key);
    if (drop) {
        return *drop;
    }
    return parsed;
}

}  // namespace fo::wire
