#include "core/tokenizer/unicode_text.h"

#include "core/util/error.h"

#include <algorithm>
#include <iterator>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

namespace lieq::tok {

namespace {

std::array<uint8_t, 128> makeAsciiClasses()
{
    std::array<uint8_t, 128> t{};
    for (int c = 0; c < 128; ++c) {
        uint8_t k = 0;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) k |= kLetter;
        if (c >= '0' && c <= '9') k |= kNumber;
        if ((c >= 0x09 && c <= 0x0d) || c == ' ') k |= kSpace;
        if (c == '\r' || c == '\n') k |= kCrLf;
        t[c] = k;
    }
    return t;
}

const std::array<uint8_t, 128> kAscii = makeAsciiClasses();

// The lead bytes of well-formed UTF-8 sequences longer than one byte (Unicode 15, table 3-7):
// the sequence length and the range of the second byte; later bytes are 80..BF.
struct LeadByte
{
    unsigned char first, last; // lead bytes of this row
    std::size_t length;
    unsigned char secondLo, secondHi;
};

constexpr LeadByte kLeadBytes[] = {
    {0xc2, 0xdf, 2, 0x80, 0xbf},
    {0xe0, 0xe0, 3, 0xa0, 0xbf},
    {0xe1, 0xec, 3, 0x80, 0xbf},
    {0xed, 0xed, 3, 0x80, 0x9f},
    {0xee, 0xef, 3, 0x80, 0xbf},
    {0xf0, 0xf0, 4, 0x90, 0xbf},
    {0xf1, 0xf3, 4, 0x80, 0xbf},
    {0xf4, 0xf4, 4, 0x80, 0x8f},
};

// Length of a valid UTF-8 sequence at s[i], or 0 with `bad` = how many bytes form the maximal
// invalid subpart to replace by one U+FFFD.
std::size_t validSequenceLength(std::string_view s, std::size_t i, std::size_t &bad)
{
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return 1;
    const auto lead = std::find_if(std::begin(kLeadBytes), std::end(kLeadBytes),
                                   [b0](const LeadByte &l) { return b0 >= l.first && b0 <= l.last; });
    if (lead == std::end(kLeadBytes)) {
        bad = 1;
        return 0;
    }
    const std::size_t len = lead->length;
    const unsigned char lo = lead->secondLo, hi = lead->secondHi;
    for (std::size_t k = 1; k < len; ++k) {
        if (i + k >= s.size()) {
            bad = k;
            return 0;
        }
        const auto b = static_cast<unsigned char>(s[i + k]);
        const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xbf;
        if (b < l || b > h) {
            bad = k;
            return 0;
        }
    }
    return len;
}

} // namespace

uint8_t charClass(char32_t c)
{
    if (c < 128) return kAscii[c];
    uint8_t k = 0;
    const uint32_t mask = U_GET_GC_MASK(static_cast<UChar32>(c));
    if (mask & U_GC_L_MASK)
        k |= kLetter;
    else if (mask & U_GC_N_MASK)
        k |= kNumber;
    if (u_isUWhiteSpace(static_cast<UChar32>(c))) k |= kSpace;
    return k;
}

bool isWhitespace(char32_t c)
{
    return (charClass(c) & kSpace) != 0;
}

char32_t nextCodePoint(std::string_view s, std::size_t &i)
{
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int len = b0 >= 0xf0 ? 4 : b0 >= 0xe0 ? 3 : 2;
    char32_t c = b0 & (0x7f >> len);
    for (int k = 1; k < len && i + k < s.size(); ++k)
        c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += len;
    return c;
}

void decodeUtf8(std::string_view s, DecodedText &out)
{
    out.cps.clear();
    out.offsets.clear();
    out.classes.clear();
    out.cps.reserve(s.size());
    out.offsets.reserve(s.size() + 1);
    out.classes.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        out.offsets.push_back(static_cast<uint32_t>(i));
        const char32_t c = nextCodePoint(s, i);
        out.cps.push_back(c);
        out.classes.push_back(charClass(c));
    }
    out.offsets.push_back(static_cast<uint32_t>(s.size()));
}

std::size_t firstInvalidUtf8(std::string_view s)
{
    std::size_t i = 0, bad = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        const std::size_t n = validSequenceLength(s, i, bad);
        if (n == 0) return i;
        i += n;
    }
    return std::string_view::npos;
}

bool isValidUtf8(std::string_view s) { return firstInvalidUtf8(s) == std::string_view::npos; }

std::string toValidUtf8(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t bad = 0;
        const std::size_t n = validSequenceLength(s, i, bad);
        if (n > 0) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out.append("\xef\xbf\xbd");
            i += bad;
        }
    }
    return out;
}

void appendUtf8(std::string &out, char32_t c)
{
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
}

std::string toNfc(std::string_view s)
{
    bool ascii = true;
    for (char ch : s)
        if (static_cast<unsigned char>(ch) >= 0x80) {
            ascii = false;
            break;
        }
    if (ascii) return std::string(s);

    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&err);
    std::u16string wide(s.size() + 1, u'\0');
    int32_t wideLen = 0;
    u_strFromUTF8(wide.data(), static_cast<int32_t>(wide.size()), &wideLen, s.data(),
                  static_cast<int32_t>(s.size()), &err);
    if (U_FAILURE(err)) throw Error(std::string("NFC normalization failed: ") + u_errorName(err));
    if (unorm2_quickCheck(nfc, wide.data(), wideLen, &err) == UNORM_YES && U_SUCCESS(err))
        return std::string(s);
    err = U_ZERO_ERROR;
    std::u16string norm(static_cast<std::size_t>(wideLen) * 3 + 16, u'\0');
    const int32_t normLen = unorm2_normalize(nfc, wide.data(), wideLen, norm.data(),
                                             static_cast<int32_t>(norm.size()), &err);
    if (U_FAILURE(err)) throw Error(std::string("NFC normalization failed: ") + u_errorName(err));
    std::string out(static_cast<std::size_t>(normLen) * 3 + 4, '\0');
    int32_t outLen = 0;
    u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &outLen, norm.data(), normLen, &err);
    if (U_FAILURE(err)) throw Error(std::string("NFC normalization failed: ") + u_errorName(err));
    out.resize(static_cast<std::size_t>(outLen));
    return out;
}

namespace {

struct ByteMaps
{
    std::array<char32_t, 256> toUnicode{};
    std::array<int16_t, 512> toByte{}; // the alphabet lies below U+0200
    ByteMaps()
    {
        toByte.fill(-1);
        int extra = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable =
                (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
            toUnicode[b] =
                printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + extra++);
            toByte[toUnicode[b]] = static_cast<int16_t>(b);
        }
    }
};

const ByteMaps &byteMaps()
{
    static const ByteMaps maps;
    return maps;
}

} // namespace

const std::array<char32_t, 256> &byteToUnicode()
{
    return byteMaps().toUnicode;
}

int unicodeToByte(char32_t c)
{
    return c < 512 ? byteMaps().toByte[c] : -1;
}

bool byteLevelToBytes(std::string_view token, std::string &out)
{
    out.clear();
    std::size_t i = 0;
    while (i < token.size()) {
        const int b = unicodeToByte(nextCodePoint(token, i));
        if (b < 0) return false;
        out.push_back(static_cast<char>(b));
    }
    return true;
}

std::string bytesToByteLevel(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char ch : bytes)
        appendUtf8(out, byteToUnicode()[static_cast<unsigned char>(ch)]);
    return out;
}

} // namespace lieq::tok
