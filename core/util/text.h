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

} // namespace lieq
