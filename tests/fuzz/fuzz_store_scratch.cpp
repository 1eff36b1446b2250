#include "tests/fuzz/fuzz_store_scratch.h"

#include "core/store/experiment_store.h"
#include "tests/fuzz/fuzz_target.h"

#include <filesystem>

namespace lieq::fuzz {

namespace fs = std::filesystem;

std::string freshStore()
{
    static const std::string templ = [] {
        const std::string p = scratchDir() + "/template.sqlite";
        { const store::ExperimentStore s(p); }
        // A closed WAL database is a single file again; copying it copies the whole schema.
        return p;
    }();
    const std::string path = scratchDir() + "/store.sqlite";
    std::error_code ec;
    for (const char *suffix : {"", "-wal", "-shm"})
        fs::remove(path + suffix, ec);
    fs::copy_file(templ, path, fs::copy_options::overwrite_existing, ec);
    if (ec)
        finding("cannot copy the template store: " + ec.message());
    return path;
}

} // namespace lieq::fuzz
