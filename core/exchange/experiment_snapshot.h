#pragma once

#include <string>

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

} // namespace lieq::exchange
