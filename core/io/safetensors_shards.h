#pragma once

#include "core/io/dtype.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lieq {

// Writes a sharded safetensors checkpoint the way Hugging Face does: tensors in the order
// added, a new shard when the next tensor would pass `maxShardBytes`, files named
// model-00001-of-0000N.safetensors (model.safetensors when one is enough) and
// model.safetensors.index.json mapping every tensor to its file, with metadata.total_size.
// Only one shard's tensors are held in memory. Meant for a temporary folder that the caller
// renames into place; every file is itself written atomically.
class SafetensorsShardWriter
{
public:
    SafetensorsShardWriter(std::string dir, std::uint64_t maxShardBytes,
                           std::map<std::string, std::string> metadata = {});

    void add(const std::string &name, DType dtype, std::vector<std::int64_t> shape,
             std::vector<std::uint8_t> bytes);
    // Returns the files written (shards, then the index when there is more than one shard).
    std::vector<std::string> finish();
    std::uint64_t totalBytes() const { return m_total; }

private:
    struct Pending
    {
        std::string name;
        DType dtype;
        std::vector<std::int64_t> shape;
        std::vector<std::uint8_t> bytes;
    };
    void flush();
    std::string m_dir;
    std::uint64_t m_max;
    std::map<std::string, std::string> m_metadata;
    std::vector<Pending> m_pending;
    std::uint64_t m_pendingBytes = 0, m_total = 0;
    std::vector<std::string> m_shards;              // temporary names, in order
    std::map<std::string, std::size_t> m_shardOf;   // tensor -> shard index
};

} // namespace lieq
