#pragma once

#include <string>
#include <string_view>

namespace lieq {

// `s` without leading and trailing spaces, tabs and line ends.
inline std::string trimmed(std::string_view s)
{
    constexpr std::string_view space = " \t\r\n";
    const auto b = s.find_first_not_of(space);
    if (b == std::string_view::npos)
        return {};
    return std::string(s.substr(b, s.find_last_not_of(space) - b + 1));
}

// `s` in double quotes, embedded double quotes doubled: how CSV fields and SQL identifiers quote.
inline std::string doubleQuoted(std::string_view s)
{
    std::string q = "\"";
    for (const char c : s)
        q += c == '"' ? std::string_view("\"\"") : std::string_view(&c, 1);
    return q + "\"";
}

// A CSV field (RFC 4180): `s` as it is, or doubleQuoted when it holds a comma, a double quote or
// a line end.
inline std::string csvField(std::string_view s)
{
    return s.find_first_of(",\"\n\r") == std::string_view::npos ? std::string(s) : doubleQuoted(s);
}

} // namespace lieq
