#include "libnet_context.hpp"

#include <array>
#include <stdexcept>

namespace fo::inject::detail {

LibnetContext::LibnetContext() {
    std::array<char, LIBNET_ERRBUF_SIZE> error{};
    context_ = libnet_init(LIBNET_NONE, nullptr, error.data());
    if (context_ == nullptr) {
        throw std::runtime_error(std::string("cannot open libnet: ") + error.data());
    }
}

LibnetContext::~LibnetContext() {
    libnet_destroy(context_);
}

}  // namespace fo::inject::detail
