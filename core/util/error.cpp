#include "core/util/error.h"

#include <cstdio>

namespace lieq {

namespace {

// File errors quote file content (JSON excerpts, tensor names, CSV lines). Control bytes in them
// would break the one-line message the CLI prints and could drive the user's terminal (escape
// sequences), so C0 controls, DEL and UTF-8-encoded C1 controls are written as escapes.
std::string printable(const std::string &s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        const bool c1 = c == 0xc2 && i + 1 < s.size() &&
                        static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                        static_cast<unsigned char>(s[i + 1]) <= 0x9f;
        if (c >= 0x20 && c != 0x7f && !c1) {
            out += s[i];
            continue;
        }
        switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: {
            const unsigned code = c1 ? static_cast<unsigned char>(s[++i]) : c;
            char buf[8];
            std::snprintf(buf, sizeof buf, c1 ? "\\u%04x" : "\\x%02x", code);
            out += buf;
        }
        }
    }
    return out;
}

} // namespace

Error::Error(const std::string &message) : std::runtime_error(message) {}

Error::Error(const std::string &file, const std::string &message)
    : std::runtime_error(printable(file.empty() ? message : file + ": " + message)), m_file(file)
{
}

Cancelled::Cancelled() : std::runtime_error("cancelled") {}

} // namespace lieq
