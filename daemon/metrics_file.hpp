#pragma once

#include <string>

// The metrics file for node_exporter's textfile collector: written to a
// temporary file beside it and renamed over it, so the collector never
// reads half a file.

namespace fo::daemon {

class MetricsFile {
  public:
    explicit MetricsFile(std::string path) : path_(std::move(path)) {}
    /// Replaces the file with `text` (mode 0644); false with `error` set.
    bool write(const std::string& text, std::string& error) const;
    [[nodiscard]] const std::string& path() const { return path_; }

  private:
    std::string path_;
};

}  // namespace fo::daemon
