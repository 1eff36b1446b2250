#pragma once

#include "core/alloc/bit_plan.h"
#include "core/alloc/size_estimate.h"
#include "core/util/progress.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lieq {
class Checkpoint;
}

namespace lieq::ui {

// One row of the per-layer metrics export (a snapshot of the layer table, so the export can
// run in a worker thread without touching the model).
struct LayerExportRow
{
    int layer = 0;
    double dppl = 0, dr = 0, dE = 0; // NaN when not computed
    std::int64_t params = 0;
    int bits = 0;
    int pinnedBits = 0; // 0: not pinned
};

// What the Export dialog asked for. Every file goes through lieq::AtomicFile.
struct ExportRequest
{
    std::string directory;
    std::string baseName = "lieq";
    bool planJson = true;      // <base>.plan.json (core/alloc plan schema)
    bool metricsJson = true;   // <base>.metrics.json: layers + plan report with sizes
    bool metricsCsv = true;    // <base>.metrics.csv
    bool ggufF16 = false;      // <base>.f16.gguf (core/io exporter)
    std::optional<alloc::BitPlan> plan;
    std::vector<alloc::SizeEstimate> sizes;
    std::vector<LayerExportRow> layers;
    std::shared_ptr<const lieq::Checkpoint> checkpoint; // for the GGUF export
};

// Writes the requested files; returns their paths. Throws lieq::Error naming the file.
std::vector<std::string> runExport(const ExportRequest &request, const lieq::ProgressFn &progress = {});

} // namespace lieq::ui
