#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fo/wire/auth.hpp"

namespace fo::wire {

/// A directory holds at most this many keys (a rollover needs two).
inline constexpr std::size_t kMaximumKeys = 64;

struct KeyringLoadResult;

/// The keys a node holds, each under a 32-bit id, and the id it sends with.
/// Frames carry the sender's key id in their signed part; a receiver checks
/// the MAC with the key of that id, so a pair can roll its key over without
/// a gap (docs/protocol.md, "Key rollover"). Not for concurrent use (AuthKey).
class Keyring {
  public:
    Keyring() = default;
    /// One key (auth_key_file): key id `id`, sent with.
    static Keyring single(AuthKey key, std::uint32_t id = 0);
    /// Every `<id>.key` in `directory` (decimal id without leading zeros; each
    /// file checked by AuthKey::load_file with `policy`); other names ending in
    /// ".key" are errors, hidden files and other names are ignored. `send_id`
    /// must be among them.
    static KeyringLoadResult load_directory(const std::string& directory, std::uint32_t send_id,
                                            KeyFilePolicy policy = {});

    /// Adds or replaces the key of `id`.
    void add(std::uint32_t id, AuthKey key);
    /// False (and unchanged) when no key has that id.
    bool set_send_id(std::uint32_t id);

    [[nodiscard]] const AuthKey* find(std::uint32_t id) const;
    /// nullptr only when the keyring is empty.
    [[nodiscard]] const AuthKey* send_key() const { return find(send_id_); }
    [[nodiscard]] std::uint32_t send_id() const { return send_id_; }
    /// Ascending.
    [[nodiscard]] std::vector<std::uint32_t> ids() const;
    [[nodiscard]] bool empty() const { return keys_.empty(); }
    [[nodiscard]] std::size_t size() const { return keys_.size(); }

  private:
    std::map<std::uint32_t, AuthKey> keys_;
    std::uint32_t send_id_ = 0;
};

struct KeyringLoadResult {
    std::optional<Keyring> keyring;
    std::string error;  // set when keyring is empty
};

/// The id of a key file name: "7.key" -> 7; nullopt when the name is not
/// `<decimal id>.key` (no sign, no leading zero, at most 2^32 - 1).
std::optional<std::uint32_t> key_file_id(const std::string& name);

}  // namespace fo::wire
