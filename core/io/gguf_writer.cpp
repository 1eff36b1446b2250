#include "core/io/gguf_writer.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "kernels/type_traits.h"

#include <algorithm>
#include <cstring>

namespace lieq {

namespace {
template<typename T>
void put(std::string &out, T v)
{
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T)); // the project only targets little-endian machines
    out.append(b, sizeof(T));
}

void put(std::string &out, const std::string &s)
{
    put<std::uint64_t>(out, s.size());
    out += s;
}

// The bytes of one metadata value (a number or a string).
template <typename T> std::string payload(const T &v)
{
    std::string p;
    put(p, v);
    return p;
}

// The bytes of an array value: element type, count, the elements.
template <typename T>
std::string arrayPayload(GgufValueType elementType, const std::vector<T> &values)
{
    std::string p;
    put<std::uint32_t>(p, static_cast<std::uint32_t>(elementType));
    put<std::uint64_t>(p, values.size());
    for (const T &v : values)
        put(p, v);
    return p;
}

std::size_t padTo(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }
} // namespace

std::size_t ggmlTensorBytes(GgmlType t, const std::vector<std::int64_t> &shape)
{
    const auto type = kernels::typeFromGgml(static_cast<int>(t));
    if (!type)
        throw Error("ggml type " + std::to_string(static_cast<int>(t)) + " is not supported");
    const kernels::TypeTraits &tt = kernels::typeTraits(*type);
    if (shape.empty() || shape.back() % tt.blockSize != 0)
        throw Error(std::string("a ") + tt.name + " tensor needs rows of a multiple of " +
                    std::to_string(tt.blockSize) + " values");
    std::size_t rows = 1;
    for (std::size_t i = 0; i + 1 < shape.size(); ++i)
        rows *= static_cast<std::size_t>(shape[i]);
    return rows * static_cast<std::size_t>(kernels::rowBytes(*type, shape.back()));
}

const char *ggmlTypeName(GgmlType t)
{
    const auto type = kernels::typeFromGgml(static_cast<int>(t));
    return type ? kernels::typeTraits(*type).name : "unknown";
}

void GgufWriter::addKey(const std::string &key, GgufValueType type, std::string payload)
{
    if (std::find(m_keys.begin(), m_keys.end(), key) != m_keys.end())
        throw Error("GGUF key " + key + " added twice");
    m_keys.push_back(key);
    put(m_meta, key);
    put<std::uint32_t>(m_meta, static_cast<std::uint32_t>(type));
    m_meta += payload;
}

void GgufWriter::addUInt32(const std::string &key, std::uint32_t v)
{
    addKey(key, GgufValueType::U32, payload(v));
}

void GgufWriter::addInt32(const std::string &key, std::int32_t v)
{
    addKey(key, GgufValueType::I32, payload(v));
}

void GgufWriter::addFloat32(const std::string &key, float v)
{
    addKey(key, GgufValueType::F32, payload(v));
}

void GgufWriter::addBool(const std::string &key, bool v)
{
    addKey(key, GgufValueType::Bool, std::string(1, v ? '\1' : '\0'));
}

void GgufWriter::addString(const std::string &key, const std::string &v)
{
    addKey(key, GgufValueType::String, payload(v));
}

void GgufWriter::addStringArray(const std::string &key, const std::vector<std::string> &v)
{
    addKey(key, GgufValueType::Array, arrayPayload(GgufValueType::String, v));
}

void GgufWriter::addFloat32Array(const std::string &key, const std::vector<float> &v)
{
    addKey(key, GgufValueType::Array, arrayPayload(GgufValueType::F32, v));
}

void GgufWriter::addInt32Array(const std::string &key, const std::vector<std::int32_t> &v)
{
    addKey(key, GgufValueType::Array, arrayPayload(GgufValueType::I32, v));
}

void GgufWriter::addTensor(const std::string &name, GgmlType type,
                           const std::vector<std::int64_t> &shape, Fill fill)
{
    for (const auto &t : m_tensors)
        if (t.name == name)
            throw Error("GGUF tensor " + name + " added twice");
    if (shape.empty() || shape.size() > 4)
        throw Error("GGUF tensor " + name + ": needs 1 to 4 dimensions");
    for (auto d : shape)
        if (d <= 0)
            throw Error("GGUF tensor " + name + ": dimensions must be positive");
    std::size_t n = 0;
    try {
        n = ggmlTensorBytes(type, shape);
    } catch (const Error &e) {
        throw Error("GGUF tensor " + name + ": " + e.what());
    }
    m_tensors.push_back({name, type, shape, n, std::move(fill)});
}

void GgufWriter::write(const std::string &path, const ProgressFn &progress) const
{
    std::string head;
    put<std::uint32_t>(head, kGgufMagic);
    put<std::uint32_t>(head, kGgufVersion);
    put<std::uint64_t>(head, m_tensors.size());
    put<std::uint64_t>(head, m_keys.size());
    head += m_meta;
    std::size_t offset = 0;
    for (const auto &t : m_tensors) {
        put(head, t.name);
        put<std::uint32_t>(head, static_cast<std::uint32_t>(t.shape.size()));
        for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it)
            put<std::uint64_t>(head, static_cast<std::uint64_t>(*it));
        put<std::uint32_t>(head, static_cast<std::uint32_t>(t.type));
        put<std::uint64_t>(head, offset);
        offset = padTo(offset + t.nbytes, kGgufAlignment);
    }
    head.append(padTo(head.size(), kGgufAlignment) - head.size(), '\0');

    AtomicFile out(path);
    out.write(head);
    std::vector<std::byte> buf;
    for (std::size_t i = 0; i < m_tensors.size(); ++i) {
        const Tensor &t = m_tensors[i];
        reportProgress(progress, {"write gguf", static_cast<int64_t>(i),
                                  static_cast<int64_t>(m_tensors.size()), t.name});
        buf.assign(t.nbytes, std::byte{0});
        t.fill(buf.data(), buf.size());
        out.write(buf.data(), buf.size());
        out.writeZeros(padTo(t.nbytes, kGgufAlignment) - t.nbytes);
    }
    reportProgress(progress, {"write gguf", static_cast<int64_t>(m_tensors.size()),
                              static_cast<int64_t>(m_tensors.size()), {}});
    out.commit();
}

} // namespace lieq
