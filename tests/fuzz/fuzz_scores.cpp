// Fuzz target: a per-layer scores file, JSON or CSV (the first byte picks the parser; the rest is
// the text), then what `lieq allocate` does with it: a plan under the default budget with each
// method, and size estimates. Bad files fail with a lieq::Error naming the file; the allocator
// must refuse what it cannot plan (NaN scores, duplicate layers, sizes <= 0) with a lieq::Error.
#include "core/alloc/allocator.h"
#include "core/alloc/scores_file.h"
#include "core/alloc/size_estimate.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const bool csv = data[0] & 1;
    const std::string file = csv ? "/scores/fuzz.csv" : "/scores/fuzz.json";
    const std::string text(reinterpret_cast<const char *>(data + 1), size - 1);
    lieq::fuzz::expectCleanError(file, [&] {
        const lieq::alloc::ScoresInput in = csv ? lieq::alloc::scoresFromCsv(text, file)
                                                : lieq::alloc::scoresFromJson(text, file);
        using lieq::alloc::AllocMethod;
        for (AllocMethod m : {AllocMethod::Paper, AllocMethod::Knapsack, AllocMethod::Greedy}) {
            lieq::alloc::AllocationRequest r;
            r.layers = in.layers;
            r.method = m;
            r.bitSet = m == AllocMethod::Paper ? std::vector<int>{2, 4} : std::vector<int>{2, 3, 4};
            r.budget = 2.0 + 2.0 / double(r.layers.size());
            r.perProjection = (data[0] & 2) != 0;
            lieq::fuzz::expectCleanError({}, [&] {
                const lieq::alloc::BitPlan plan = lieq::alloc::allocate(r);
                (void)lieq::alloc::estimateGguf(plan, in.otherParams);
                (void)lieq::alloc::estimateGptq(plan, {}, in.otherParams);
            });
        }
    });
    return 0;
}
