#include "fo/wire/byte_reader.hpp"

#include <algorithm>

namespace fo::wire {

namespace {
template <typename T>
bool read_big_endian(std::span<const std::uint8_t> data, std::size_t& position, T& out) {
    if (sizeof(T) > data.size() - position) {
        return false;
    }
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        value = static_cast<T>((value << 8U) | data[position + i]);
    }
    position += sizeof(T);
    out = value;
    return true;
}

template <typename T>
void write_big_endian(std::span<std::uint8_t> buffer, std::size_t position, T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        buffer[position + sizeof(T) - 1 - i] = static_cast<std::uint8_t>(value & 0xFFU);
        value = static_cast<T>(value >> 8U);
    }
}
}  // namespace

bool ByteReader::read_u8(std::uint8_t& out) {
    return read_big_endian(data_, position_, out);
}
bool ByteReader::read_u16(std::uint16_t& out) {
    return read_big_endian(data_, position_, out);
}
bool ByteReader::read_u32(std::uint32_t& out) {
    return read_big_endian(data_, position_, out);
}
bool ByteReader::read_u64(std::uint64_t& out) {
    return read_big_endian(data_, position_, out);
}

bool ByteReader::read_bytes(std::span<std::uint8_t> out) {
    if (!can_read(out.size())) {
        return false;
    }
    std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(position_), out.size(), out.begin());
    position_ += out.size();
    return true;
}

bool ByteReader::skip(std::size_t count) {
    if (!can_read(count)) {
        return false;
    }
    position_ += count;
    return true;
}

bool ByteReader::take(std::size_t count, std::span<const std::uint8_t>& out) {
    if (!can_read(count)) {
        return false;
    }
    out = data_.subspan(position_, count);
    position_ += count;
    return true;
}

bool ByteWriter::reserve(std::size_t count) {
    if (!ok_ || count > buffer_.size() - position_) {
        ok_ = false;
        return false;
    }
    return true;
}

void ByteWriter::write_u8(std::uint8_t value) {
    if (reserve(1)) {
        buffer_[position_++] = value;
    }
}

void ByteWriter::write_u16(std::uint16_t value) {
    if (reserve(2)) {
        write_big_endian(buffer_, position_, value);
        position_ += 2;
    }
}

void ByteWriter::write_u32(std::uint32_t value) {
    if (reserve(4)) {
        write_big_endian(buffer_, position_, value);
        position_ += 4;
    }
}

void ByteWriter::write_u64(std::uint64_t value) {
    if (reserve(8)) {
        write_big_endian(buffer_, position_, value);
        position_ += 8;
    }
}

void ByteWriter::write_bytes(std::span<const std::uint8_t> bytes) {
    if (reserve(bytes.size())) {
        std::copy(bytes.begin(), bytes.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(position_));
        position_ += bytes.size();
    }
}

void ByteWriter::write_zeros(std::size_t count) {
    if (reserve(count)) {
        std::fill_n(buffer_.begin() + static_cast<std::ptrdiff_t>(position_), count, std::uint8_t{0});
        position_ += count;
    }
}

}  // namespace fo::wire
