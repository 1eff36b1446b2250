#include "core/io/safetensors.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace lieq {

using nlohmann::json;

std::int64_t TensorView::numel() const
{
    std::int64_t n = 1;
    for (auto d : shape)
        n *= d;
    return n;
}

namespace {

std::uint64_t readLe64(const std::byte *p)
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | static_cast<std::uint64_t>(p[i]);
    return v;
}

std::string tensorLabel(const std::string &name) { return "tensor '" + name + "'"; }

// product(shape) x element size, or nullopt on overflow (a lying header must not wrap around).
std::optional<std::uint64_t> byteSize(const std::vector<std::int64_t> &shape, std::size_t elem)
{
    std::uint64_t n = elem;
    for (auto d : shape) {
        const auto ud = static_cast<std::uint64_t>(d);
        if (ud != 0 && n > std::numeric_limits<std::uint64_t>::max() / ud)
            return std::nullopt;
        n *= ud;
    }
    return n;
}

// nlohmann::json keeps the last of duplicate keys silently; watch top-level keys while parsing.
json parseHeader(const std::string &path, const char *text, std::size_t len)
{
    std::set<std::string> seen;
    std::string duplicate;
    auto cb = [&](int depth, json::parse_event_t event, json &parsed) {
        if (event == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
            const auto &k = parsed.get_ref<const std::string &>();
            if (!seen.insert(k).second && duplicate.empty())
                duplicate = k;
        }
        return true;
    };
    json header;
    try {
        header = json::parse(text, text + len, cb);
    } catch (const json::exception &e) {
        throw Error(path, std::string("header is not valid JSON: ") + e.what());
    }
    if (!duplicate.empty())
        throw Error(path, tensorLabel(duplicate) + ": name appears more than once in the header");
    if (!header.is_object())
        throw Error(path, "header is not a JSON object");
    return header;
}

} // namespace

SafetensorsFile::SafetensorsFile(const std::string &path) : m_file(path)
{
    const std::size_t size = m_file.size();
    if (size < 8)
        throw Error(path, "file is " + std::to_string(size) +
                              " bytes, too small for a safetensors header length");
    const std::uint64_t headerLen = readLe64(m_file.data());
    if (headerLen > kMaxHeaderBytes)
        throw Error(path, "header length " + std::to_string(headerLen) + " exceeds the bound of " +
                              std::to_string(kMaxHeaderBytes) + " bytes (corrupt or not safetensors)");
    if (headerLen > size - 8)
        throw Error(path, "header length " + std::to_string(headerLen) +
                              " runs past the end of the file (" + std::to_string(size) +
                              " bytes; truncated?)");
    const char *text = reinterpret_cast<const char *>(m_file.data() + 8);
    const json header = parseHeader(path, text, headerLen);

    const std::size_t dataStart = 8 + headerLen;
    const std::size_t dataSize = size - dataStart;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string &name = it.key();
        const json &entry = it.value();
        if (name == "__metadata__") {
            if (!entry.is_object())
                throw Error(path, "__metadata__ is not a JSON object");
            for (auto m = entry.begin(); m != entry.end(); ++m) {
                if (!m.value().is_string())
                    throw Error(path, "__metadata__ value '" + m.key() + "' is not a string");
                m_metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        if (!entry.is_object())
            throw Error(path, tensorLabel(name) + ": header entry is not a JSON object");
        const auto dt = entry.find("dtype");
        const auto sh = entry.find("shape");
        const auto off = entry.find("data_offsets");
        if (dt == entry.end() || !dt->is_string())
            throw Error(path, tensorLabel(name) + ": missing or non-string \"dtype\"");
        if (sh == entry.end() || !sh->is_array())
            throw Error(path, tensorLabel(name) + ": missing or non-array \"shape\"");
        if (off == entry.end() || !off->is_array() || off->size() != 2 ||
            !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned())
            throw Error(path, tensorLabel(name) +
                                  ": \"data_offsets\" must be two non-negative integers");
        const auto dtype = dtypeFromName(dt->get<std::string>());
        if (!dtype)
            throw Error(path, tensorLabel(name) + ": unsupported dtype \"" + dt->get<std::string>() + "\"");

        TensorView v;
        v.name = name;
        v.dtype = *dtype;
        v.file = path;
        for (const auto &d : *sh) {
            if (!d.is_number_unsigned())
                throw Error(path, tensorLabel(name) + ": shape " + sh->dump() +
                                      " has a dimension that is not a non-negative integer");
            const auto ud = d.get<std::uint64_t>();
            if (ud > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                throw Error(path, tensorLabel(name) + ": shape dimension " + std::to_string(ud) + " is too large");
            v.shape.push_back(static_cast<std::int64_t>(ud));
        }
        const auto begin = (*off)[0].get<std::uint64_t>();
        const auto end = (*off)[1].get<std::uint64_t>();
        if (begin > end)
            throw Error(path, tensorLabel(name) + ": data_offsets [" + std::to_string(begin) + ", " +
                                  std::to_string(end) + "] are reversed");
        if (end > dataSize)
            throw Error(path, tensorLabel(name) + ": data_offsets [" + std::to_string(begin) + ", " +
                                  std::to_string(end) + "] run past the end of the data area (" +
                                  std::to_string(dataSize) + " bytes; truncated file?)");
        const auto expected = byteSize(v.shape, dtypeSize(v.dtype));
        if (!expected || *expected != end - begin)
            throw Error(path, tensorLabel(name) + ": holds " + std::to_string(end - begin) +
                                  " bytes but shape " + sh->dump() + " x " +
                                  std::string(dtypeName(v.dtype)) + " (" +
                                  std::to_string(dtypeSize(v.dtype)) + " bytes) needs " +
                                  (expected ? std::to_string(*expected) : std::string("more than 2^64")));
        v.fileOffset = dataStart + begin;
        v.nbytes = end - begin;
        v.data = m_file.data() + v.fileOffset;
        m_order.push_back(name);
        m_tensors.emplace(name, std::move(v));
    }

    // Overlap check on byte ranges sorted by start; empty tensors own no bytes.
    std::vector<const TensorView *> byStart;
    for (const auto &[n, v] : m_tensors)
        if (v.nbytes > 0)
            byStart.push_back(&v);
    std::sort(byStart.begin(), byStart.end(),
              [](auto *a, auto *b) { return a->fileOffset < b->fileOffset; });
    for (std::size_t i = 1; i < byStart.size(); ++i) {
        const auto *prev = byStart[i - 1];
        const auto *cur = byStart[i];
        if (cur->fileOffset < prev->fileOffset + prev->nbytes)
            throw Error(path, tensorLabel(cur->name) + ": data overlaps " + tensorLabel(prev->name) +
                                  " (bytes " + std::to_string(cur->fileOffset - dataStart) +
                                  " < " + std::to_string(prev->fileOffset - dataStart + prev->nbytes) + ")");
    }
}

bool SafetensorsFile::contains(const std::string &name) const { return m_tensors.count(name) > 0; }

const TensorView &SafetensorsFile::tensor(const std::string &name) const
{
    const auto it = m_tensors.find(name);
    if (it == m_tensors.end())
        throw Error(path(), tensorLabel(name) + ": not in this file");
    return it->second;
}

void writeSafetensors(const std::string &path, const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata)
{
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::set<std::string> names;
    std::uint64_t offset = 0;
    for (const auto &t : tensors) {
        if (t.name == "__metadata__" || !names.insert(t.name).second)
            throw Error(path, tensorLabel(t.name) + ": duplicate or reserved tensor name");
        for (auto d : t.shape)
            if (d < 0)
                throw Error(path, tensorLabel(t.name) + ": negative dimension");
        const auto expected = byteSize(t.shape, dtypeSize(t.dtype));
        if (!expected || *expected != t.nbytes)
            throw Error(path, tensorLabel(t.name) + ": " + std::to_string(t.nbytes) +
                                  " bytes given but shape x dtype needs " +
                                  (expected ? std::to_string(*expected) : std::string("overflow")));
        header[t.name] = {{"dtype", std::string(dtypeName(t.dtype))},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.nbytes}}};
        offset += t.nbytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' '); // upstream pads so tensor data is 8-aligned
    AtomicFile out(path);
    std::byte len[8];
    for (int i = 0; i < 8; ++i)
        len[i] = static_cast<std::byte>((text.size() >> (8 * i)) & 0xff);
    out.write(len, 8);
    out.write(text);
    for (const auto &t : tensors)
        if (t.nbytes > 0)
            out.write(t.data, t.nbytes);
    out.commit();
}

} // namespace lieq
