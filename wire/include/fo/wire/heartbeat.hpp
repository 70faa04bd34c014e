#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "fo/wire/auth.hpp"
#include "fo/wire/drop_reason.hpp"
#include "fo/wire/keyring.hpp"
#include "fo/wire/udp_frame.hpp"

namespace fo::wire {

/// Apple's heartbeatd/failoverd used UDP port 1694.
inline constexpr std::uint16_t kDefaultHeartbeatPort = 1694;
inline constexpr std::uint32_t kHeartbeatMagic = 0x464F4842;  // "FOHB"
/// Version 2 added the session echo (RFC 5880 6.8.6's "Your Discriminator"
/// as the model) and the ownership term; version 1 frames are refused.
inline constexpr std::uint8_t kHeartbeatVersion = 2;
/// Fixed payload size: 80 bytes of fields (the last 4 reserved, zero) plus
/// the 16-byte MAC trailer.
inline constexpr std::size_t kHeartbeatPayloadSize = 96;
inline constexpr std::size_t kHeartbeatAuthenticatedSize = kHeartbeatPayloadSize - kMacSize;
inline constexpr std::size_t kHeartbeatFrameSize =
    kEthernetHeaderSize + kIpv4HeaderSize + kUdpHeaderSize + kHeartbeatPayloadSize;

enum class MessageType : std::uint8_t { beat = 1, release_request = 2, released = 3 };
enum class Role : std::uint8_t { primary = 1, secondary = 2 };
enum class SenderState : std::uint8_t { starting = 0, standby = 1, active = 2, releasing = 3, stopping = 4 };
enum class AuthType : std::uint8_t { none = 0, hmac_sha256_128 = 1 };

std::string_view to_string(MessageType type);
std::string_view to_string(Role role);
std::string_view to_string(SenderState state);

/// The fields of one heartbeat payload (docs/protocol.md).
struct Heartbeat {
    MessageType type = MessageType::beat;
    Role role = Role::primary;
    SenderState state = SenderState::starting;
    AuthType auth = AuthType::none;
    std::uint8_t link_id = 0;
    std::uint32_t node_id = 0;
    std::uint64_t boot_epoch = 0;
    /// The receiver's boot epoch as last heard on this link (0: none yet).
    /// A frame is proof of life only to the receiver whose current epoch it
    /// echoes: a frame recorded in an earlier session can never count.
    std::uint64_t echo_epoch = 0;
    std::uint64_t sequence = 0;
    /// The highest sequence heard from the receiver in echo_epoch on this
    /// link: orders the sender's sessions without any memory of old epochs.
    std::uint64_t echo_sequence = 0;
    /// Ownership term: the holder that acquired last (higher term) keeps the
    /// addresses when both find each other holding (docs/protocol.md).
    std::uint64_t term = 0;
    std::uint64_t tx_time_ns = 0;   // sender's CLOCK_REALTIME; informational only
    std::uint32_t interval_us = 0;  // the sender's beat interval
    /// The sender's count of its own state changes since its boot: orders
    /// its frames across links (each link numbers its frames on its own).
    std::uint32_t generation = 0;
    /// The id of the key that signed the frame (wire/keyring.hpp): the
    /// receiver verifies with its key of that id. 0 for a single key file.
    std::uint32_t key_id = 0;
    /// The receiver's generation as the sender last heard it in the echoed
    /// epoch (on any link); 0: none heard (generations start at 1), or a
    /// sender from before this field (the bytes were reserved, sent as 0).
    /// A frame echoing our current generation was made knowing our state.
    std::uint32_t echo_generation = 0;

    bool operator==(const Heartbeat&) const = default;
};

using HeartbeatPayload = std::array<std::uint8_t, kHeartbeatPayloadSize>;

/// A heartbeat as it arrived: addressing, fields, and the raw payload (kept
/// so the MAC can be checked as a separate step).
struct HeartbeatFrame {
    UdpEndpoints endpoints;
    std::uint8_t ttl = 0;
    Heartbeat beat;
    HeartbeatPayload payload{};
    bool mac_verified = false;
};

/// Serialises `beat` into a payload; with a key, beat.auth is ignored and the
/// HMAC-SHA256-128 trailer is written, without one the trailer is zero.
void encode_heartbeat_payload(const Heartbeat& beat, const AuthKey* key,
                              std::span<std::uint8_t, kHeartbeatPayloadSize> out);

/// Signs with the keyring's send key and writes its id into key_id (whatever
/// beat.key_id holds); without a keyring the frame is unsigned.
void sign_heartbeat_payload(const Heartbeat& beat, const Keyring* keyring,
                            std::span<std::uint8_t, kHeartbeatPayloadSize> out);

/// A whole Ethernet frame; returns its length or 0 when `out` is too small.
std::size_t encode_heartbeat_frame(const UdpEndpoints& endpoints, const Heartbeat& beat, const AuthKey* key,
                                   std::span<std::uint8_t> out);

/// Structural checks only (through unknown_message_type); no MAC check.
DecodeResult<HeartbeatFrame> parse_heartbeat_frame(std::span<const std::uint8_t> frame, std::uint16_t port);

/// The authentication step. With a key: auth_missing or bad_mac on failure.
/// Without a key (an explicit, logged choice of the operator) every frame passes
/// unverified. Returns nullopt when the frame passes.
/// A single key verifies whatever key id the frame names (fo-probe --key-file).
std::optional<DropReason> check_heartbeat_mac(HeartbeatFrame& frame, const AuthKey* key);
/// With a keyring: auth_missing, unknown_key_id (no key of the frame's key
/// id) or bad_mac; without one (nullptr) every frame passes unverified.
std::optional<DropReason> check_heartbeat_mac_with(HeartbeatFrame& frame, const Keyring* keyring);

struct HeartbeatDecodeOptions {
    std::uint16_t port = kDefaultHeartbeatPort;
    const AuthKey* key = nullptr;
    /// Takes precedence over `key` when set: the frame's key id picks the key.
    const Keyring* keyring = nullptr;
};

/// parse_heartbeat_frame followed by check_heartbeat_mac.
DecodeResult<HeartbeatFrame> decode_heartbeat_frame(std::span<const std::uint8_t> frame,
                                                    const HeartbeatDecodeOptions& options);

}  // namespace fo::wire
