#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <tuple>
#include <utility>

namespace lieq::exchange {

struct ReportData;

// The stored rows behind a report -- models, datasets, analysis runs with every layer and
// projection metric, plans, quantization runs with module losses, evaluation rows -- as one
// JSON document ({"schema": "lieq.experiment", "schemaVersion": 1}). Settings, timings and
// plan texts travel verbatim, so their hashes survive a restore. Store ids are the source
// store's: restoreExperiment maps them to new ones.
std::string experimentSnapshotJson(const ReportData &data);

inline constexpr const char *kExperimentSchema = "lieq.experiment";
inline constexpr int kExperimentSchemaVersion = 1;

// The snapshot keys of a model's and a dataset's fields besides id and added_at, each list
// beside the fields it names, in the same order (as the store keeps its column lists beside its
// readers). experimentSnapshotJson writes these fields and restoreExperiment reads them back,
// both through visitFields. The record may be const.
inline constexpr std::array kModelKeys{"path",        "name",        "fingerprint", "architecture",
                                       "layer_count", "param_count", "dtype",       "bytes"};
template <typename Model> auto modelFields(Model &m)
{
    return std::tie(m.path, m.name, m.fingerprint, m.architecture, m.layerCount, m.paramCount,
                    m.dtype, m.bytes);
}
inline constexpr std::array kDatasetKeys{"path", "kind", "content_hash", "bytes"};
template <typename Dataset> auto datasetFields(Dataset &d)
{
    return std::tie(d.path, d.kind, d.contentHash, d.bytes);
}

// visit(key, field) for each key of `keys` and the field at its place in `fields`.
template <std::size_t N, typename... Fields, typename Visit>
void visitFields(const std::array<const char *, N> &keys, std::tuple<Fields &...> fields,
                 Visit visit)
{
    static_assert(sizeof...(Fields) == N, "one key per field");
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (visit(keys[I], std::get<I>(fields)), ...);
    }(std::make_index_sequence<N>{});
}

} // namespace lieq::exchange
