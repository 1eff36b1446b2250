#pragma once

#include "core/alloc/allocator.h"
#include "core/jobs/job_context.h"

#include <cstdint>
#include <optional>
#include <string>

// Plan methods that need no predictor scores (issue 16): the baseline rules users would apply
// without diagnostics (llama.cpp's layer heuristic, first/last layers, seeded random) and the
// knapsack on the gains measured by a stored measure run (`lieq measure`). `lieq allocate
// --method`, `lieq quantize --rule` and the budget panel all go through here.
namespace lieq::jobs {

// "llama-cpp", "first", "last", "random" and "measured" (aliases as baselineRuleFromName).
bool isRulePlanMethod(const std::string &name);

struct RulePlanRequest
{
    std::string rule;                        // one of the names above
    std::uint64_t seed = 1;                  // random
    std::optional<std::int64_t> measureRun;  // measured: a finished `lieq measure` run
};

// The rule's plan for `request` (layers with their sizes, budget, bit set, pins, allocation
// method; its scores are ignored). measured needs measureRun (its model must have as many
// layers) and two bit-widths. Throws lieq::Error naming what is missing.
alloc::BitPlan rulePlan(const RulePlanRequest &rule, const alloc::AllocationRequest &request,
                        const JobContext &context);

} // namespace lieq::jobs
