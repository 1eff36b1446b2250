// Fuzz target: a bit plan file (lieq.bitplan JSON). Reading fails with a lieq::Error naming the
// file, or gives a plan that writes back and reads again to the same JSON, and whose summaries
// (nominal bits, per-layer bits) compute without overflow or crash.
#include "core/alloc/plan_json.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const std::string file = "/plans/fuzz.plan.json";
    const std::string text(reinterpret_cast<const char *>(data), size);
    lieq::fuzz::expectCleanError(file, [&] {
        const lieq::alloc::BitPlan plan = lieq::alloc::planFromJson(text, file);
        const std::string once = lieq::alloc::planToJson(plan);
        const std::string twice = lieq::alloc::planToJson(lieq::alloc::planFromJson(once, file));
        if (once != twice)
            lieq::fuzz::finding("a plan does not survive a write/read round trip");
        (void)plan.nominalBits();
        (void)plan.layerBits();
        for (const auto &u : plan.units)
            lieq::fuzz::expectCleanError({}, [&] {
                (void)plan.bitsFor(u.layer, u.projections.empty() ? std::string() : u.projections.front());
            });
    });
    return 0;
}
