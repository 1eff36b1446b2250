#include "core/jobs/plan_rules.h"

#include "core/alloc/baseline_plans.h"
#include "core/alloc/measured_plan.h"
#include "core/jobs/measure_job.h"
#include "core/util/error.h"

namespace lieq::jobs {

bool isRulePlanMethod(const std::string &name)
{
    if (name == "measured")
        return true;
    try {
        alloc::baselineRuleFromName(name);
        return true;
    } catch (const Error &) {
        return false;
    }
}

alloc::BitPlan rulePlan(const RulePlanRequest &rule, const alloc::AllocationRequest &request,
                        const JobContext &context)
{
    if (rule.rule != "measured")
        return alloc::baselinePlan(request, alloc::baselineRuleFromName(rule.rule), rule.seed);
    if (!rule.measureRun)
        throw Error("the measured plan needs a measure run (lieq measure; --measure-run ID)");
    const MeasureJobResult m = loadMeasure(context, *rule.measureRun);
    const std::vector<double> gains = m.measure.gains();
    if (gains.size() != request.layers.size())
        throw Error(m.storePath, "measure run " + std::to_string(*rule.measureRun) + " has " +
                                     std::to_string(gains.size()) + " layers, the model " +
                                     std::to_string(request.layers.size()));
    alloc::AllocationRequest r = request;
    if (r.bitSet.size() == 2 &&
        (r.bitSet.front() != m.measure.settings.lowBits || r.bitSet.back() != m.measure.settings.highBits))
        throw Error(m.storePath, "measure run " + std::to_string(*rule.measureRun) + " measured " +
                                     std::to_string(m.measure.settings.lowBits) + " -> " +
                                     std::to_string(m.measure.settings.highBits) +
                                     " bits; the plan asks for other bit-widths");
    return alloc::measuredPlan(r, gains);
}

} // namespace lieq::jobs
