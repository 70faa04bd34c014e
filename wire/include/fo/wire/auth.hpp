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

struct AuthKeyLoadResult;

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

    /// Reads a key file: its bytes, trailing whitespace removed, are the secret.
    static AuthKeyLoadResult load_file(const std::string& path);

    [[nodiscard]] MacTag compute(std::span<const std::uint8_t> message) const;
    /// Constant-time comparison.
    [[nodiscard]] bool verify(std::span<const std::uint8_t> message, std::span<const std::uint8_t> tag) const;

  private:
    struct Contexts;
    std::unique_ptr<Contexts> contexts_;
};

struct AuthKeyLoadResult {
    std::optional<AuthKey> key;
    std::string error;    // set when key is empty
    std::string warning;  // e.g. the file is readable by others
};

}  // namespace fo::wire
