#include "core/io/dtype.h"

#include <array>

namespace lieq {

namespace {
struct DTypeInfo
{
    DType type;
    std::string_view name;
    std::size_t size;
    bool floating;
};

// One table for every dtype property, so names and sizes cannot drift apart.
constexpr std::array<DTypeInfo, 10> kTable{{
    {DType::F32, "F32", 4, true},
    {DType::F16, "F16", 2, true},
    {DType::BF16, "BF16", 2, true},
    {DType::F64, "F64", 8, true},
    {DType::I8, "I8", 1, false},
    {DType::U8, "U8", 1, false},
    {DType::I16, "I16", 2, false},
    {DType::I32, "I32", 4, false},
    {DType::I64, "I64", 8, false},
    {DType::Bool, "BOOL", 1, false},
}};

constexpr bool tableMatchesEnum()
{
    for (std::size_t i = 0; i < kTable.size(); ++i)
        if (static_cast<std::size_t>(kTable[i].type) != i)
            return false;
    return true;
}
static_assert(tableMatchesEnum(), "kTable must be in DType enum order");

const DTypeInfo &info(DType t) { return kTable[static_cast<std::size_t>(t)]; }
} // namespace

std::size_t dtypeSize(DType t) { return info(t).size; }

std::string_view dtypeName(DType t) { return info(t).name; }

std::optional<DType> dtypeFromName(std::string_view safetensorsName)
{
    for (const auto &i : kTable)
        if (i.name == safetensorsName)
            return i.type;
    return std::nullopt;
}

bool isFloating(DType t) { return info(t).floating; }

} // namespace lieq
