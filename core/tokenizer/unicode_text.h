#pragma once

// Internal helpers of lieq_tokenizer: UTF-8 handling, Unicode classes (via ICU), NFC and the
// GPT-2 byte <-> unicode alphabet. Not part of the public API.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lieq::tok {

// Class bits the pre-tokenizer patterns test (\p{L}, \p{N}, \s, [\r\n]).
enum CharClass : uint8_t
{
    kLetter = 1,
    kNumber = 2,
    kSpace = 4, // Unicode White_Space: what Oniguruma's \s and transformers.js' rewrite use
    kCrLf = 8,
};

uint8_t charClass(char32_t c);
bool isWhitespace(char32_t c);

// Code points of valid UTF-8 with their byte offsets (offsets has size()+1 entries).
struct DecodedText
{
    std::vector<char32_t> cps;
    std::vector<uint32_t> offsets;
    std::vector<uint8_t> classes;
};
void decodeUtf8(std::string_view valid, DecodedText &out);

bool isValidUtf8(std::string_view s);
// Offset of the first byte of the first ill-formed sequence, or npos for valid UTF-8.
std::size_t firstInvalidUtf8(std::string_view s);
// Replaces each maximal invalid subsequence by U+FFFD (what Rust's from_utf8_lossy and the
// WHATWG TextDecoder do), so decode output is always valid UTF-8.
std::string toValidUtf8(std::string_view s);
void appendUtf8(std::string &out, char32_t c);
// Decodes one code point at s[i] of valid UTF-8; advances i.
char32_t nextCodePoint(std::string_view s, std::size_t &i);

// NFC through ICU; ASCII-only input is returned as-is without a round trip.
std::string toNfc(std::string_view s);

// GPT-2 bytes_to_unicode: every byte gets a printable code point.
const std::array<char32_t, 256> &byteToUnicode();
// Inverse; -1 for code points outside the alphabet.
int unicodeToByte(char32_t c);
// Maps a byte-level vocab string back to raw bytes; false when some char is outside the map.
bool byteLevelToBytes(std::string_view token, std::string &out);
std::string bytesToByteLevel(std::string_view bytes);

} // namespace lieq::tok
