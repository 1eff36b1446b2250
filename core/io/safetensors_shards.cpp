#include "core/io/safetensors_shards.h"

#include "core/io/safetensors.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace lieq {

namespace fs = std::filesystem;

SafetensorsShardWriter::SafetensorsShardWriter(std::string dir, std::uint64_t maxShardBytes,
                                               std::map<std::string, std::string> metadata)
    : m_dir(std::move(dir)), m_max(maxShardBytes), m_metadata(std::move(metadata))
{
    if (m_max == 0)
        throw Error(m_dir, "shard size must be positive");
}

void SafetensorsShardWriter::add(const std::string &name, DType dtype, std::vector<std::int64_t> shape,
                                 std::vector<std::uint8_t> bytes)
{
    if (m_shardOf.count(name))
        throw Error(m_dir, "tensor " + name + " added twice");
    for (const Pending &p : m_pending)
        if (p.name == name)
            throw Error(m_dir, "tensor " + name + " added twice");
    if (!m_pending.empty() && m_pendingBytes + bytes.size() > m_max)
        flush();
    m_pendingBytes += bytes.size();
    m_total += bytes.size();
    m_pending.push_back({name, dtype, std::move(shape), std::move(bytes)});
}

void SafetensorsShardWriter::flush()
{
    if (m_pending.empty())
        return;
    const std::string path = (fs::path(m_dir) / ("shard-" + std::to_string(m_shards.size()) + ".part")).string();
    std::vector<TensorToWrite> tensors;
    for (const Pending &p : m_pending)
        tensors.push_back({p.name, p.dtype, p.shape, p.bytes.data(), p.bytes.size()});
    writeSafetensors(path, tensors, m_metadata);
    for (const Pending &p : m_pending)
        m_shardOf[p.name] = m_shards.size();
    m_shards.push_back(path);
    m_pending.clear();
    m_pendingBytes = 0;
}

std::vector<std::string> SafetensorsShardWriter::finish()
{
    flush();
    const std::size_t n = m_shards.size();
    std::vector<std::string> names;
    for (std::size_t i = 0; i < n; ++i) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, n);
        names.push_back(n == 1 ? std::string("model.safetensors") : std::string(buf));
        fs::rename(m_shards[i], fs::path(m_dir) / names.back());
    }
    std::vector<std::string> written;
    for (const auto &nm : names)
        written.push_back((fs::path(m_dir) / nm).string());
    if (n > 1) {
        nlohmann::ordered_json map = nlohmann::ordered_json::object();
        for (const auto &[tensor, shard] : m_shardOf)
            map[tensor] = names[shard];
        const nlohmann::ordered_json index{{"metadata", {{"total_size", m_total}}}, {"weight_map", map}};
        const std::string path = (fs::path(m_dir) / "model.safetensors.index.json").string();
        writeFileAtomic(path, index.dump(2) + "\n");
        written.push_back(path);
    }
    return written;
}

} // namespace lieq
