// Fuzz target: a whole bundle file (zip) imported into an empty store. Whatever the bytes, the
// import either succeeds or fails with a lieq::Error naming the bundle; a failure leaves no rows
// and no extracted files, and nothing is ever written outside the checkpoint folder it was given.
#include "core/store/experiment_store.h"
#include "core/store/statement.h"
#include "tests/fuzz/fuzz_store_scratch.h"
#include "tests/fuzz/fuzz_target.h"
#include "ui/bundle/bundle_import.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace {

// Every path under `dir` (recursively), to see what an import left behind.
std::vector<std::string> listing(const std::string &dir)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        out.push_back(it->path().string());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string bundle = lieq::fuzz::writeInput("in.lieqbundle", data, size);
    const std::string storePath = lieq::fuzz::freshStore();
    const std::string root = lieq::fuzz::scratchDir() + "/imported";
    std::error_code ec;
    fs::remove_all(root, ec);
    fs::create_directories(root);
    const std::vector<std::string> before = listing(lieq::fuzz::scratchDir());
    bool ok = false;
    lieq::fuzz::expectCleanError(bundle, [&] {
        lieq::ui::bundle::ImportOptions o;
        o.storePath = storePath;
        o.checkpointRoot = root;
        // The import job's restore step (jobs::importSnapshot, which the torch-free fuzz build
        // does not link) is exactly this.
        const auto restore = [](const std::string &store, const std::string &json, const std::string &source,
                                const lieq::exchange::RestoreOptions &ro) {
            lieq::store::ExperimentStore db(store);
            return lieq::exchange::restoreExperiment(db, json, source, ro);
        };
        lieq::ui::bundle::importBundle(bundle, o, restore);
        ok = true;
    });
    // Outside the checkpoint folder only the store (and its WAL files) may have changed.
    for (const std::string &p : listing(lieq::fuzz::scratchDir()))
        if (p.rfind(root, 0) != 0 && p.rfind(storePath, 0) != 0 &&
            !std::binary_search(before.begin(), before.end(), p))
            lieq::fuzz::finding("the import wrote outside its folders: " + p);
    if (!ok) {
        if (!listing(root).empty())
            lieq::fuzz::finding("a refused bundle left extracted files behind");
        lieq::store::ExperimentStore s(storePath);
        lieq::store::Statement st(s.database(), "SELECT count(*) FROM models");
        if (st.step() && st.columnInt(0) != 0)
            lieq::fuzz::finding("a refused bundle left rows in the store");
    }
    return 0;
}
