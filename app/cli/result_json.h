#pragma once

#include "core/jobs/analysis_job.h"

#include <nlohmann/json.hpp>

#include <string>

// The JSON and CSV the CLI prints for job results (`--json`, `--out`, `--csv`).
namespace lieq::cli {

// NaN (not computed) as null.
nlohmann::json number(double v);

// `lieq analyze --json`: run facts, calibration, settings, the per-layer table (the schema
// `lieq allocate --scores` reads) with each layer's projections (and heads), the correlations,
// cost and timings.
nlohmann::json analysisJson(const jobs::AnalysisResult &result, const std::string &modelDir);

} // namespace lieq::cli
