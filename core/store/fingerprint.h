#pragma once

#include "core/store/records.h"

#include <string>

namespace lieq::store {

// Describes a Hugging Face model folder (config.json + model.safetensors or shards) for
// upsertModel(): architecture, layer count, parameter count (from the tensor shapes), dtype,
// bytes, and a fingerprint = SHA-256 of config.json, every safetensors header (the tensor
// index) and a sparse sample of the weight bytes -- so two fine-tunes with identical layout
// differ, without reading gigabytes. Throws lieq::Error naming the offending file.
ModelRecord describeModel(const std::string &modelDir);

// Describes a data file or folder (every regular file under it, in name order) with a SHA-256
// of the content. kind is recorded as given.
DatasetRecord describeDataset(const std::string &path, const std::string &kind);

// Parses and re-serialises JSON with sorted keys and no whitespace, so equal settings give
// equal text and equal hashes. Throws lieq::Error naming `what` when the text is not JSON.
std::string canonicalJson(const std::string &jsonText, const std::string &what);

// SHA-256 (hex) of canonicalJson(settingsJson).
std::string settingsHash(const std::string &settingsJson);

} // namespace lieq::store
