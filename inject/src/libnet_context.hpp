#pragma once

#include <libnet.h>

#include <string>

namespace fo::inject::detail {

/// Owns a libnet context; the one place that calls libnet_init/destroy.
class LibnetContext {
  public:
    /// A context that builds and assembles frames and sends nothing (our
    /// frames go out through PacketSocket). Throws std::runtime_error with
    /// libnet's text.
    LibnetContext();
    ~LibnetContext();
    LibnetContext(const LibnetContext&) = delete;
    LibnetContext& operator=(const LibnetContext&) = delete;

    [[nodiscard]] libnet_t* get() const { return context_; }
    [[nodiscard]] std::string error() const { return libnet_geterror(context_); }

  private:
    libnet_t* context_ = nullptr;
};

}  // namespace fo::inject::detail
