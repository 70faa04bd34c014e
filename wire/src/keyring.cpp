#include "fo/wire/keyring.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

namespace fo::wire {

namespace {
constexpr std::string_view kKeySuffix = ".key";

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};
}  // namespace

std::optional<std::uint32_t> key_file_id(const std::string& name) {
    if (name.size() <= kKeySuffix.size() ||
        name.compare(name.size() - kKeySuffix.size(), kKeySuffix.size(), kKeySuffix) != 0) {
        return std::nullopt;
    }
    const std::string digits = name.substr(0, name.size() - kKeySuffix.size());
    if (digits.size() > 10 || (digits.size() > 1 && digits.front() == '0')) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > std::numeric_limits<std::uint32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(value);
}

Keyring Keyring::single(AuthKey key, std::uint32_t id) {
    Keyring keyring;
    keyring.add(id, std::move(key));
    keyring.send_id_ = id;
    return keyring;
}

void Keyring::add(std::uint32_t id, AuthKey key) {
    keys_.insert_or_assign(id, std::move(key));
}

bool Keyring::set_send_id(std::uint32_t id) {
    if (keys_.count(id) == 0) {
        return false;
    }
    send_id_ = id;
    return true;
}

const AuthKey* Keyring::find(std::uint32_t id) const {
    const auto found = keys_.find(id);
    return found == keys_.end() ? nullptr : &found->second;
}

std::vector<std::uint32_t> Keyring::ids() const {
    std::vector<std::uint32_t> result;
    result.reserve(keys_.size());
    for (const auto& [id, key] : keys_) {
        result.push_back(id);
    }
    return result;
}

KeyringLoadResult Keyring::load_directory(const std::string& directory, std::uint32_t send_id, KeyFilePolicy policy) {
    KeyringLoadResult result;
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        result.error = "cannot open key directory " + directory + ": " + std::strerror(errno);
        return result;
    }
    const std::unique_ptr<DIR, DirCloser> dir(::fdopendir(fd));
    if (!dir) {
        result.error = "cannot read key directory " + directory + ": " + std::strerror(errno);
        ::close(fd);
        return result;
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        result.error = "cannot read key directory " + directory + ": " + std::strerror(errno);
        return result;
    }
    if (policy.require_root && info.st_uid != 0 && info.st_uid != ::geteuid()) {
        result.error = "key directory " + directory + " is owned by uid " + std::to_string(info.st_uid) +
                       ", not root; run: chown root:root " + directory;
        return result;
    }
    if (policy.require_private && (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        result.error = "key directory " + directory + " is writable by group or others; run: chmod 700 " + directory;
        return result;
    }
    Keyring keyring;
    errno = 0;
    while (const dirent* entry = ::readdir(dir.get())) {
        const std::string name = entry->d_name;
        if (name.empty() || name.front() == '.') {
            continue;  // ".", "..", and hidden files (editors' swap files)
        }
        if (name.size() <= kKeySuffix.size() ||
            name.compare(name.size() - kKeySuffix.size(), kKeySuffix.size(), kKeySuffix) != 0) {
            continue;  // not a key file (README, backups "1.key~")
        }
        const auto id = key_file_id(name);
        if (!id) {
            result.error = "key directory " + directory + ": '" + name +
                           "' is not named <id>.key with a decimal id (0 to 4294967295, no leading zero)";
            return result;
        }
        if (keyring.size() >= kMaximumKeys) {
            result.error = "key directory " + directory + " holds more than " + std::to_string(kMaximumKeys) + " keys";
            return result;
        }
        auto loaded = AuthKey::load_file(directory + "/" + name, policy);
        if (!loaded.key) {
            result.error = loaded.error;
            return result;
        }
        keyring.add(*id, std::move(*loaded.key));
        errno = 0;
    }
    if (errno != 0) {
        result.error = "cannot read key directory " + directory + ": " + std::strerror(errno);
        return result;
    }
    if (keyring.empty()) {
        result.error = "key directory " + directory + " holds no key (files named <id>.key, e.g. 1.key)";
        return result;
    }
    if (!keyring.set_send_id(send_id)) {
        std::string held;
        for (const auto id : keyring.ids()) {
            held += (held.empty() ? "" : ", ") + std::to_string(id);
        }
        result.error = "key directory " + directory + " holds no key " + std::to_string(send_id) + " (" +
                       std::to_string(send_id) + ".key) to send with; it holds key id(s) " + held;
        return result;
    }
    result.keyring = std::move(keyring);
    return result;
}

}  // namespace fo::wire
