#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lieq::store {

// SHA-256 (FIPS 180-4), streaming. Used for model fingerprints, dataset content hashes and
// settings hashes: stable across platforms and builds, unlike std::hash.
class Sha256
{
public:
    Sha256();
    void update(const void *data, std::size_t size);
    void update(std::string_view s) { update(s.data(), s.size()); }
    std::array<std::uint8_t, 32> digest(); // finishes; the object must not be updated after
    std::string hexDigest();

    static std::string hex(std::string_view data);

private:
    void block(const std::uint8_t *p);
    std::array<std::uint32_t, 8> m_h;
    std::array<std::uint8_t, 64> m_buf{};
    std::size_t m_bufLen = 0;
    std::uint64_t m_totalBytes = 0;
};

} // namespace lieq::store
