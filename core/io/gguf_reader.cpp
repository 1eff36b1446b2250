#include "core/io/gguf_reader.h"

#include "kernels/type_traits.h"

#include "core/io/half.h"
#include "core/util/error.h"

#include <cstring>

namespace lieq {

namespace {

// Bounds-checked cursor over the mapping; every read names the file when it runs out.
class Cursor
{
public:
    Cursor(const MappedFile &f) : m_f(f) {}

    template<typename T>
    T get(const char *what)
    {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, m_f.data() + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return v;
    }

    std::string string(const char *what)
    {
        const auto n = get<std::uint64_t>(what);
        need(n, what);
        std::string s(reinterpret_cast<const char *>(m_f.data() + m_pos), n);
        m_pos += n;
        return s;
    }

    void need(std::uint64_t n, const char *what) const
    {
        if (n > m_f.size() - m_pos)
            throw Error(m_f.path(), std::string("truncated while reading ") + what + " at byte " +
                                        std::to_string(m_pos));
    }

    std::size_t pos() const { return m_pos; }

private:
    const MappedFile &m_f;
    std::size_t m_pos = 0;
};

double readNumber(Cursor &c, GgufValueType t, const std::string &path, const std::string &key)
{
    switch (t) {
    case GgufValueType::U8: return c.get<std::uint8_t>("value");
    case GgufValueType::I8: return c.get<std::int8_t>("value");
    case GgufValueType::U16: return c.get<std::uint16_t>("value");
    case GgufValueType::I16: return c.get<std::int16_t>("value");
    case GgufValueType::U32: return c.get<std::uint32_t>("value");
    case GgufValueType::I32: return c.get<std::int32_t>("value");
    case GgufValueType::F32: return c.get<float>("value");
    case GgufValueType::Bool: return c.get<std::uint8_t>("value") != 0;
    case GgufValueType::U64: return static_cast<double>(c.get<std::uint64_t>("value"));
    case GgufValueType::I64: return static_cast<double>(c.get<std::int64_t>("value"));
    case GgufValueType::F64: return c.get<double>("value");
    default: throw Error(path, "key " + key + ": unknown value type " + std::to_string(int(t)));
    }
}

GgufValue readValue(Cursor &c, GgufValueType t, const std::string &path, const std::string &key)
{
    GgufValue v;
    v.type = t;
    switch (t) {
    case GgufValueType::String:
        v.scalar = c.string("string value");
        break;
    case GgufValueType::Array: {
        v.arrayType = static_cast<GgufValueType>(c.get<std::uint32_t>("array type"));
        const auto n = c.get<std::uint64_t>("array length");
        if (v.arrayType == GgufValueType::Array)
            throw Error(path, "key " + key + ": nested arrays are not supported");
        // Each element takes at least one byte: a length beyond the file is a lie, not a request.
        c.need(n, "array elements");
        for (std::uint64_t i = 0; i < n; ++i) {
            if (v.arrayType == GgufValueType::String)
                v.strings.push_back(c.string("array string"));
            else
                v.numbers.push_back(readNumber(c, v.arrayType, path, key));
        }
        break;
    }
    case GgufValueType::U64: v.scalar = c.get<std::uint64_t>("value"); break;
    case GgufValueType::I64: v.scalar = c.get<std::int64_t>("value"); break;
    case GgufValueType::F32:
    case GgufValueType::F64: v.scalar = readNumber(c, t, path, key); break;
    case GgufValueType::Bool: v.scalar = c.get<std::uint8_t>("value") != 0; break;
    case GgufValueType::I8:
    case GgufValueType::I16:
    case GgufValueType::I32:
        v.scalar = static_cast<std::int64_t>(readNumber(c, t, path, key));
        break;
    default:
        v.scalar = static_cast<std::uint64_t>(readNumber(c, t, path, key));
    }
    return v;
}

} // namespace

std::uint64_t GgufValue::asUInt() const
{
    if (auto p = std::get_if<std::uint64_t>(&scalar))
        return *p;
    if (auto p = std::get_if<std::int64_t>(&scalar); p && *p >= 0)
        return static_cast<std::uint64_t>(*p);
    throw Error("GGUF value is not a non-negative integer");
}

std::int64_t GgufValue::asInt() const
{
    if (auto p = std::get_if<std::int64_t>(&scalar))
        return *p;
    if (auto p = std::get_if<std::uint64_t>(&scalar))
        return static_cast<std::int64_t>(*p);
    throw Error("GGUF value is not an integer");
}

double GgufValue::asDouble() const
{
    if (auto p = std::get_if<double>(&scalar))
        return *p;
    return static_cast<double>(asInt());
}

bool GgufValue::asBool() const
{
    if (auto p = std::get_if<bool>(&scalar))
        return *p;
    throw Error("GGUF value is not a bool");
}

const std::string &GgufValue::asString() const
{
    if (auto p = std::get_if<std::string>(&scalar))
        return *p;
    throw Error("GGUF value is not a string");
}

GgufReader::GgufReader(const std::string &path) : m_file(path)
{
    Cursor c(m_file);
    if (c.get<std::uint32_t>("magic") != kGgufMagic)
        throw Error(path, "not a GGUF file (bad magic)");
    m_version = c.get<std::uint32_t>("version");
    if (m_version < 2 || m_version > 3)
        throw Error(path, "unsupported GGUF version " + std::to_string(m_version));
    const auto nTensors = c.get<std::uint64_t>("tensor count");
    const auto nKv = c.get<std::uint64_t>("metadata count");
    c.need(nKv, "metadata");
    for (std::uint64_t i = 0; i < nKv; ++i) {
        const std::string key = c.string("metadata key");
        const auto t = static_cast<GgufValueType>(c.get<std::uint32_t>("value type"));
        if (m_meta.count(key))
            throw Error(path, "key " + key + " appears twice");
        m_meta.emplace(key, readValue(c, t, path, key));
    }
    if (auto it = m_meta.find("general.alignment"); it != m_meta.end()) {
        const GgufValue &a = it->second;
        const auto *u = std::get_if<std::uint64_t>(&a.scalar);
        if (!u || *u > (1u << 30))
            throw Error(path, "general.alignment is not a power of two up to 2^30");
        m_alignment = static_cast<std::uint32_t>(*u);
        if (m_alignment == 0 || (m_alignment & (m_alignment - 1)))
            throw Error(path, "general.alignment " + std::to_string(m_alignment) + " is not a power of two");
        // The GGUF specification requires a multiple of 8; below that, tensor data (fp16 block
        // scales, floats) would sit misaligned for the kernels that read it in place.
        if (m_alignment < 8)
            throw Error(path, "general.alignment " + std::to_string(m_alignment) +
                                  " is below 8 (GGUF requires a multiple of 8)");
    }
    c.need(nTensors, "tensor infos");
    for (std::uint64_t i = 0; i < nTensors; ++i) {
        TensorInfo t;
        t.name = c.string("tensor name");
        const auto nd = c.get<std::uint32_t>("tensor dims");
        if (nd == 0 || nd > 4)
            throw Error(path, "tensor '" + t.name + "': " + std::to_string(nd) + " dimensions");
        std::vector<std::int64_t> ne(nd);
        std::uint64_t elements = 1;
        for (auto &d : ne) {
            const auto ud = c.get<std::uint64_t>("tensor dim");
            // Dimensions whose product overflows are a lie; refuse them before any size math.
            // Zero dimensions are left out of the product: a zero must not let the others be
            // huge (partial products in any order, e.g. tensorAsFloat's, would overflow).
            if (ud > (std::uint64_t(1) << 62) ||
                (ud != 0 && __builtin_mul_overflow(elements, ud, &elements)) ||
                elements > (std::uint64_t(1) << 60))
                throw Error(path, "tensor '" + t.name + "': dimensions too large");
            d = static_cast<std::int64_t>(ud);
        }
        t.shape.assign(ne.rbegin(), ne.rend());
        t.type = c.get<std::uint32_t>("tensor type");
        t.offset = c.get<std::uint64_t>("tensor offset");
        if (t.offset % m_alignment)
            throw Error(path, "tensor '" + t.name + "': offset " + std::to_string(t.offset) + " is not aligned");
        m_tensors.push_back(std::move(t));
    }
    const std::size_t dataStart = (c.pos() + m_alignment - 1) / m_alignment * m_alignment;
    for (auto &t : m_tensors) {
        if (const auto type = kernels::typeFromGgml(static_cast<int>(t.type))) {
            // Rows of ne[0] values in whole blocks of the type (the kernels' table).
            const kernels::TypeTraits &traits = kernels::typeTraits(*type);
            const std::int64_t rowValues = t.shape.back();
            if (rowValues % traits.blockSize != 0)
                throw Error(path, "tensor '" + t.name + "': rows of " + std::to_string(rowValues) +
                                      " values are not whole " + traits.name + " blocks of " +
                                      std::to_string(traits.blockSize));
            std::uint64_t n = static_cast<std::uint64_t>(kernels::rowBytes(*type, rowValues));
            for (std::size_t i = 0; i + 1 < t.shape.size(); ++i)
                n *= static_cast<std::uint64_t>(t.shape[i]);
            t.nbytes = n;
        }
        if (dataStart > m_file.size() || t.offset > m_file.size() - dataStart ||
            t.nbytes > m_file.size() - dataStart - t.offset)
            throw Error(path, "tensor '" + t.name + "': data runs past the end of the file");
        t.data = m_file.data() + dataStart + t.offset;
    }
}

const GgufValue &GgufReader::value(const std::string &key) const
{
    const auto it = m_meta.find(key);
    if (it == m_meta.end())
        throw Error(m_file.path(), "no metadata key " + key);
    return it->second;
}

const GgufReader::TensorInfo &GgufReader::tensor(const std::string &name) const
{
    for (const auto &t : m_tensors)
        if (t.name == name)
            return t;
    throw Error(m_file.path(), "tensor '" + name + "': not in this file");
}

std::vector<float> GgufReader::tensorAsFloat(const std::string &name) const
{
    const TensorInfo &t = tensor(name);
    const auto type = kernels::typeFromGgml(static_cast<int>(t.type));
    if (!type || *type == kernels::QuantType::Q8_K)
        throw Error(m_file.path(), "tensor '" + name + "': ggml type " + std::to_string(t.type) +
                                       " cannot be read as floats");
    std::int64_t count = 1;
    for (auto d : t.shape)
        count *= d;
    std::vector<float> out(static_cast<std::size_t>(count));
    if (count == 0) // a zero dimension (ne[0] = 0 would divide by zero below)
        return out;
    if (t.type <= 1) { // F32/F16 may sit unaligned in odd files: the byte-wise converter
        convertToFloat(t.type == 0 ? DType::F32 : DType::F16, t.data, out.data(), out.size());
        return out;
    }
    const std::int64_t rowValues = t.shape.back(), rows = count / rowValues;
    const std::int64_t rowBytes = kernels::rowBytes(*type, rowValues);
    for (std::int64_t r = 0; r < rows; ++r)
        kernels::typeTraits(*type).toFloat(t.data + r * rowBytes, out.data() + r * rowValues, rowValues);
    return out;
}

} // namespace lieq
