#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fo::wire {

/// The one place where inbound bytes are bounds-checked. Every read either
/// succeeds completely or leaves the cursor unchanged and returns false.
/// Multi-byte integers are read in network byte order.
class ByteReader {
  public:
    explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

    [[nodiscard]] std::size_t position() const { return position_; }
    [[nodiscard]] std::size_t remaining() const { return data_.size() - position_; }
    [[nodiscard]] bool can_read(std::size_t count) const { return count <= remaining(); }

    bool read_u8(std::uint8_t& out);
    bool read_u16(std::uint16_t& out);
    bool read_u32(std::uint32_t& out);
    bool read_u64(std::uint64_t& out);
    bool read_bytes(std::span<std::uint8_t> out);
    bool skip(std::size_t count);
    /// Takes the next `count` bytes as a sub-span and advances past them.
    bool take(std::size_t count, std::span<const std::uint8_t>& out);
    [[nodiscard]] std::span<const std::uint8_t> rest() const { return data_.subspan(position_); }

  private:
    std::span<const std::uint8_t> data_;
    std::size_t position_ = 0;
};

/// Writes into a caller-provided buffer in network byte order. Overflow is a
/// programming error (frame sizes are fixed), so it is sticky and checked once
/// by the caller through ok().
class ByteWriter {
  public:
    explicit ByteWriter(std::span<std::uint8_t> buffer) : buffer_(buffer) {}

    void write_u8(std::uint8_t value);
    void write_u16(std::uint16_t value);
    void write_u32(std::uint32_t value);
    void write_u64(std::uint64_t value);
    void write_bytes(std::span<const std::uint8_t> bytes);
    void write_zeros(std::size_t count);

    [[nodiscard]] std::size_t position() const { return position_; }
    [[nodiscard]] bool ok() const { return ok_; }

  private:
    bool reserve(std::size_t count);

    std::span<std::uint8_t> buffer_;
    std::size_t position_ = 0;
    bool ok_ = true;
};

}  // namespace fo::wire
