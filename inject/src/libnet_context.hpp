#pragma once

#include <libnet.h>

#include <string>

#include "fo/wire/addresses.hpp"

namespace fo::inject::detail {

/// Owns a libnet context; the one place that calls libnet_init/destroy.
class LibnetContext {
  public:
    /// LIBNET_LINK on `interface`; throws std::runtime_error with libnet's text.
    LibnetContext(int injection_type, const std::string& interface);
    ~LibnetContext();
    LibnetContext(const LibnetContext&) = delete;
    LibnetContext& operator=(const LibnetContext&) = delete;

    [[nodiscard]] libnet_t* get() const { return context_; }
    [[nodiscard]] wire::MacAddress hardware_address() const;
    /// The interface's first IPv4 address, or 0.0.0.0 when it has none.
    [[nodiscard]] wire::Ipv4Address ipv4_address() const;
    [[nodiscard]] std::string error() const { return libnet_geterror(context_); }

  private:
    libnet_t* context_ = nullptr;
    std::string interface_;
};

}  // namespace fo::inject::detail
