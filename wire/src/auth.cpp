#include "fo/wire/auth.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>

namespace fo::wire {

namespace {
std::string file_kind(mode_t mode) {
    if (S_ISDIR(mode)) {
        return "a directory";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        return "a device";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    return "not a regular file";
}

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777U));
    return text;
}

struct FileCloser {
    explicit FileCloser(int descriptor) : fd(descriptor) {}
    int fd;
    ~FileCloser() { ::close(fd); }
    FileCloser(const FileCloser&) = delete;
    FileCloser& operator=(const FileCloser&) = delete;
};
}  // namespace

AuthKeyLoadResult AuthKey::load_file(const std::string& path, KeyFilePolicy policy) {
    AuthKeyLoadResult result;
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        result.error = "cannot read key file " + path + ": " + std::strerror(errno);
        return result;
    }
    const FileCloser closer(fd);
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        result.error = "cannot read key file " + path + ": " + std::strerror(errno);
        return result;
    }
    if (!S_ISREG(info.st_mode)) {
        result.error = "key file " + path + " is " + file_kind(info.st_mode) + ", not a regular file";
        return result;
    }
    if (info.st_size > static_cast<off_t>(kMaximumKeyFileSize)) {
        result.error = "key file " + path + " is " + std::to_string(info.st_size) +
                       " bytes; a key file holds at most " + std::to_string(kMaximumKeyFileSize);
        return result;
    }
    if (policy.require_root && info.st_uid != 0 && info.st_uid != ::geteuid()) {
        result.error = "key file " + path + " is owned by uid " + std::to_string(info.st_uid) +
                       ", not root; run: chown root:root " + path;
        return result;
    }
    if (policy.require_private && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        result.error = "key file " + path + " is accessible by group or others (mode " + octal_mode(info.st_mode) +
                       "); run: chmod 600 " + path;
        return result;
    }
    std::vector<std::uint8_t> secret(kMaximumKeyFileSize + 1);
    std::size_t size = 0;
    while (size < secret.size()) {
        const ssize_t got = ::read(fd, secret.data() + size, secret.size() - size);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            result.error = "cannot read key file " + path + ": " + std::strerror(errno);
            OPENSSL_cleanse(secret.data(), secret.size());
            return result;
        }
        if (got == 0) {
            break;
        }
        size += static_cast<std::size_t>(got);
    }
    if (size > kMaximumKeyFileSize) {
        OPENSSL_cleanse(secret.data(), secret.size());
        result.error = "key file " + path + " grew past " + std::to_string(kMaximumKeyFileSize) + " bytes";
        return result;
    }
    secret.resize(size);
    while (!secret.empty() && std::isspace(secret.back()) != 0) {
        secret.pop_back();
    }
    if (secret.size() < kMinimumKeySize) {
        result.error = "key file " + path + " holds " + std::to_string(secret.size()) + " bytes; at least " +
                       std::to_string(kMinimumKeySize) + " are needed";
        return result;
    }
    result.key.emplace(secret);
    OPENSSL_cleanse(secret.data(), secret.size());
    return result;
}

namespace {
constexpr std::size_t kSha256BlockSize = 64;  // RFC 2104 section 2: B
constexpr std::uint8_t kInnerPad = 0x36;
constexpr std::uint8_t kOuterPad = 0x5C;

struct MdContextDeleter {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdContext = std::unique_ptr<EVP_MD_CTX, MdContextDeleter>;

MdContext new_context() {
    MdContext context(EVP_MD_CTX_new());
    if (!context) {
        throw std::bad_alloc();
    }
    return context;
}
}  // namespace

struct AuthKey::Contexts {
    MdContext inner = new_context();  // SHA-256 state after (K ^ ipad)
    MdContext outer = new_context();  // SHA-256 state after (K ^ opad)
    MdContext scratch = new_context();
};

AuthKey::AuthKey(const std::vector<std::uint8_t>& secret) : contexts_(std::make_unique<Contexts>()) {
    std::array<std::uint8_t, kSha256BlockSize> block{};
    if (secret.size() > kSha256BlockSize) {  // RFC 2104 section 2: long keys are hashed first
        unsigned int length = 0;
        EVP_Digest(secret.data(), secret.size(), block.data(), &length, EVP_sha256(), nullptr);
    } else {
        std::copy(secret.begin(), secret.end(), block.begin());
    }
    std::array<std::uint8_t, kSha256BlockSize> pad{};
    const auto prime = [&](EVP_MD_CTX* context, std::uint8_t pad_byte) {
        std::transform(block.begin(), block.end(), pad.begin(),
                       [pad_byte](std::uint8_t b) { return static_cast<std::uint8_t>(b ^ pad_byte); });
        if (EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1 ||
            EVP_DigestUpdate(context, pad.data(), pad.size()) != 1) {
            throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
        }
    };
    prime(contexts_->inner.get(), kInnerPad);
    prime(contexts_->outer.get(), kOuterPad);
    OPENSSL_cleanse(block.data(), block.size());
    OPENSSL_cleanse(pad.data(), pad.size());
}

AuthKey::~AuthKey() = default;
AuthKey::AuthKey(AuthKey&& other) noexcept = default;
AuthKey& AuthKey::operator=(AuthKey&& other) noexcept = default;

MacTag AuthKey::compute(std::span<const std::uint8_t> message) const {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> inner_digest{};
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_MD_CTX* scratch = contexts_->scratch.get();
    EVP_MD_CTX_copy_ex(scratch, contexts_->inner.get());
    EVP_DigestUpdate(scratch, message.data(), message.size());
    EVP_DigestFinal_ex(scratch, inner_digest.data(), &length);
    EVP_MD_CTX_copy_ex(scratch, contexts_->outer.get());
    EVP_DigestUpdate(scratch, inner_digest.data(), length);
    EVP_DigestFinal_ex(scratch, digest.data(), &length);
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
