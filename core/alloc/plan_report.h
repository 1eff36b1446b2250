#pragma once

#include "core/alloc/bit_plan.h"
#include "core/alloc/size_estimate.h"

#include <string>
#include <vector>

// Human- and machine-readable summaries of a plan with its size estimates (used by
// `lieq allocate`; the GUI renders the same structs itself).
namespace lieq::alloc {

// A table: one row per unit (layer, group, score, params, bits, pinned), then nominal bits and
// each estimate's effective bits and size.
std::string formatPlanTable(const BitPlan &plan, const std::vector<SizeEstimate> &sizes);

// {"plan": <planToJson>, "sizes": [{"format", "nominalBits", "effectiveBits", ...}]}
std::string planReportJson(const BitPlan &plan, const std::vector<SizeEstimate> &sizes);

std::string formatBytes(std::uint64_t bytes); // "12.3 MiB"

} // namespace lieq::alloc
