#include "fo/wire/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

namespace fo::wire {

AuthKeyLoadResult AuthKey::load_file(const std::string& path) {
    AuthKeyLoadResult result;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        result.error = "cannot read key file " + path;
        return result;
    }
    std::vector<std::uint8_t> secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!secret.empty() && std::isspace(secret.back()) != 0) {
        secret.pop_back();
    }
    if (secret.size() < kMinimumKeySize) {
        result.error = "key file " + path + " holds " + std::to_string(secret.size()) +
                       " bytes; at least " + std::to_string(kMinimumKeySize) + " are needed";
        return result;
    }
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        result.warning = "key file " + path + " is accessible by group or others; chmod 600 it";
    }
    result.key.emplace(std::move(secret));
    return result;
}

MacTag AuthKey::compute(std::span<const std::uint8_t> message) const {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_length = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), message.data(), message.size(),
         digest.data(), &digest_length);
    MacTag tag{};
    std::copy_n(digest.begin(), kMacSize, tag.begin());
    return tag;
}

bool AuthKey::verify(std::span<const std::uint8_t> message, std::span<const std::uint8_t> tag) const {
    if (tag.size() != kMacSize) {
        return false;
    }
    const MacTag expected = compute(message);
    return CRYPTO_memcmp(expected.data(), tag.data(), kMacSize) == 0;
}

}  // namespace fo::wire
