// Fuzz target: a bundle's experiment.json restored into an empty experiment store (what
// `lieq import` does after verifying the zip). A malformed snapshot fails with a lieq::Error
// naming it and leaves the store exactly as it was (no rows, integrity_check ok); an accepted
// one leaves a consistent store (integrity and foreign keys) and restoring it again adds nothing.
#include "core/exchange/experiment_restore.h"
#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/statement.h"
#include "tests/fuzz/fuzz_store_scratch.h"
#include "tests/fuzz/fuzz_target.h"

namespace {

std::int64_t rows(lieq::store::ExperimentStore &s)
{
    std::int64_t n = 0;
    for (const char *t : {"models", "datasets", "analysis_runs", "plans", "quant_runs", "eval_results"}) {
        lieq::store::Statement st(s.database(), std::string("SELECT count(*) FROM ") + t);
        n += st.step() ? st.columnInt(0) : 0;
    }
    return n;
}

void requireConsistent(lieq::store::ExperimentStore &s)
{
    lieq::store::Statement ic(s.database(), "PRAGMA integrity_check");
    if (!ic.step() || ic.columnText(0) != "ok")
        lieq::fuzz::finding("integrity_check failed after a restore");
    lieq::store::Statement fk(s.database(), "PRAGMA foreign_key_check");
    if (fk.step())
        lieq::fuzz::finding("foreign_key_check found a dangling reference after a restore");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const std::string source = "/bundles/fuzz.lieqbundle: experiment.json";
    const std::string text(reinterpret_cast<const char *>(data), size);
    lieq::store::ExperimentStore store(lieq::fuzz::freshStore());
    bool restored = false;
    lieq::fuzz::expectCleanError(source, [&] {
        lieq::exchange::restoreExperiment(store, text, source);
        restored = true;
    });
    if (!restored && rows(store) != 0)
        lieq::fuzz::finding("a refused snapshot left rows in the store");
    requireConsistent(store);
    if (restored) {
        const std::int64_t before = rows(store);
        lieq::fuzz::expectCleanError(source, [&] {
            const auto again = lieq::exchange::restoreExperiment(store, text, source);
            if (again.added != 0 || rows(store) != before)
                lieq::fuzz::finding("restoring the same snapshot twice added rows");
        });
    }
    return 0;
}
