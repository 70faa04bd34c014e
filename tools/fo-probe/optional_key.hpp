#pragma once

#include <optional>
#include <string>

#include "fo/runtime/log.hpp"
#include "fo/wire/auth.hpp"

namespace fo::probe {

/// The key of --key-file, if one was given. False (and logged) when the
/// file cannot be used.
inline bool load_optional_key(const std::string& path, std::optional<wire::AuthKey>& key) {
    if (path.empty()) {
        return true;
    }
    auto loaded = wire::AuthKey::load_file(path);
    if (!loaded.key) {
        runtime::log_error(loaded.error);
        return false;
    }
    key = std::move(loaded.key);
    return true;
}

}  // namespace fo::probe
