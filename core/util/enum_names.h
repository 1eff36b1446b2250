#pragma once

// An enum's names written once, read both ways: the name of a value (files, JSON, the CLI) and
// the value of a name, with one error for a name that is none of them.

#include "core/util/error.h"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace lieq {

template <typename Enum> struct EnumName
{
    Enum value;
    const char *name;
};

// `what` names the kind in errors ("allocation method"). A value may be listed more than once:
// its first name is the one written, later ones are accepted aliases.
template <typename Enum, std::size_t N> class EnumNames
{
public:
    constexpr EnumNames(const char *what, std::array<EnumName<Enum>, N> names)
        : m_what(what), m_names(names)
    {
    }

    // The value's first name; `fallback` for a value the table does not list.
    const char *name(Enum value, const char *fallback = "") const
    {
        for (const EnumName<Enum> &n : m_names)
            if (n.value == value) return n.name;
        return fallback;
    }

    // Throws lieq::Error "unknown WHAT 'NAME' (expected a, b or c)", listing first names only.
    Enum value(std::string_view name) const
    {
        for (const EnumName<Enum> &n : m_names)
            if (name == n.name) return n.value;
        std::string expected;
        std::size_t listed = 0, count = 0;
        for (std::size_t i = 0; i < N; ++i)
            count += isFirst(i);
        for (std::size_t i = 0; i < N; ++i) {
            if (!isFirst(i)) continue;
            expected += listed == 0 ? "" : (listed + 1 == count ? " or " : ", ");
            expected += m_names[i].name;
            ++listed;
        }
        throw Error("unknown " + std::string(m_what) + " '" + std::string(name) + "' (expected " +
                    expected + ")");
    }

private:
    bool isFirst(std::size_t i) const
    {
        for (std::size_t j = 0; j < i; ++j)
            if (m_names[j].value == m_names[i].value) return false;
        return true;
    }

    const char *m_what;
    std::array<EnumName<Enum>, N> m_names;
};

} // namespace lieq

// Defines, at namespace scope, the pair of functions an enum's header declares over its EnumNames
// `table`: `std::string NAME_FN(Enum)`, the value's first name (`fallback` for a value the table
// does not list), and `Enum FROM_NAME_FN(const std::string &)`, which throws lieq::Error for a
// name the table does not list.
#define LIEQ_ENUM_NAME_FUNCTIONS(Enum, table, nameFn, fromNameFn, fallback)                         \
    std::string nameFn(Enum value)                                                                \
    {                                                                                             \
        return (table).name(value, fallback);                                                     \
    }                                                                                             \
    Enum fromNameFn(const std::string &name)                                                      \
    {                                                                                             \
        return (table).value(name);                                                               \
    }
