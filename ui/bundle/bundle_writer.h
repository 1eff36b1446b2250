#pragma once

#include "core/exchange/run_ref.h"
#include "core/util/progress.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lieq::ui::bundle {

// What `lieq export --bundle` and the Export dialog put in a bundle (one zip file):
//   manifest.json                  sizes and SHA-256 of every other entry
//   experiment.json                the runs, plans and results as store rows (lieq import)
//   report.html, report.pdf        the report of these runs (needs a QGuiApplication)
//   plans/qN.plan.json             each quantization run's bit plan
//   metrics/results.csv, metrics/layers.csv, metrics/report.json
//   settings/aN.json, settings/qN.json   settings and timings of each run
//   checkpoints/qN/...             optionally each quantization run's checkpoint folder
struct BundleRequest
{
    std::string storePath;                 // empty: the default store
    std::vector<exchange::RunRef> runs;
    bool report = true;
    bool checkpoints = false;
    std::vector<std::pair<std::string, std::string>> versions; // for the report and manifest
};

struct BundleResult
{
    std::string path;
    std::int64_t bytes = 0;
    int files = 0;                         // entries besides the manifest
    std::vector<std::string> checkpointRuns;
    std::string sha256;                    // of the zip file
};

// Writes the bundle atomically (temporary name, renamed when complete); a cancel or a full
// disk leaves no file behind and throws lieq::Cancelled / lieq::Error naming the file.
BundleResult writeBundle(const BundleRequest &request, const std::string &outPath,
                         const ProgressFn &progress = {});

} // namespace lieq::ui::bundle
