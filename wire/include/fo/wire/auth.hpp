#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fo::wire {

/// Length of the truncated HMAC-SHA256 trailer (RFC 2104 section 5 allows
/// truncation to no less than half the hash length; 128 bits here).
inline constexpr std::size_t kMacSize = 16;
/// Shortest key we accept: the HMAC-SHA256 key should be at least as long
/// as the 128-bit tag it protects.
inline constexpr std::size_t kMinimumKeySize = 16;

using MacTag = std::array<std::uint8_t, kMacSize>;

/// A key file holds at most this many bytes.
inline constexpr std::size_t kMaximumKeyFileSize = 4096;

struct AuthKeyLoadResult;

/// What a key file must satisfy besides being a regular file of bounded size.
struct KeyFilePolicy {
    bool require_private = true;  // no access for group or others
    bool require_root = false;    // owned by root (or by the user we run as)
    static KeyFilePolicy daemon() { return KeyFilePolicy{true, true}; }
};

/// A shared secret for HMAC-SHA256 (RFC 2104) on OpenSSL libcrypto. The key
/// schedule (the digests of key^ipad and key^opad) is computed once, so each
/// message costs two SHA-256 runs over the message and a block. Not for
/// concurrent use from several threads (it reuses scratch contexts).
class AuthKey {
  public:
    explicit AuthKey(const std::vector<std::uint8_t>& secret);
    ~AuthKey();
    AuthKey(AuthKey&& other) noexcept;
    AuthKey& operator=(AuthKey&& other) noexcept;
    AuthKey(const AuthKey&) = delete;
    AuthKey& operator=(const AuthKey&) = delete;

    /// Reads a key file: its bytes, trailing whitespace removed, are the
    /// secret. The file is opened without blocking and checked with fstat
    /// before any read: a directory, a FIFO or a device is an error at once.
    static AuthKeyLoadResult load_file(const std::string& path, KeyFilePolicy policy = {});

    [[nodiscard]] MacTag compute(std::span<const std::uint8_t> message) const;
    /// Constant-time comparison.
    [[nodiscard]] bool verify(std::span<const std::uint8_t> message, std::span<const std::uint8_t> tag) const;

  private:
    struct Contexts;
    std::unique_ptr<Contexts> contexts_;
};

struct AuthKeyLoadResult {
    std::optional<AuthKey> key;
    std::string error;  // set when key is empty
};

}  // namespace fo::wire
