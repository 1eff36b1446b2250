#include "ui/bundle/bundle_import.h"

#include "core/store/experiment_store.h"
#include "core/util/error.h"
#include "ui/bundle/bundle_reader.h"

#include <filesystem>
#include <unistd.h>

namespace lieq::ui::bundle {

namespace fs = std::filesystem;

ImportResult importBundle(const std::string &bundlePath, const ImportOptions &options, const SnapshotRestore &restore,
                          const ProgressFn &progress)
{
    BundleReader reader(bundlePath);
    reader.verify(progress);
    const BundleManifest::File *snapshot = reader.manifest().find("experiment.json");
    if (!snapshot)
        throw Error(bundlePath, "the bundle holds no experiment.json: nothing to import");
    const std::string json = reader.read("experiment.json");

    ImportResult out;
    out.manifest = reader.manifest();
    out.storePath = options.storePath.empty() ? store::ExperimentStore::defaultPath() : options.storePath;
    const fs::path root = options.checkpointRoot.empty() ? fs::path(out.storePath).parent_path() / "imported"
                                                         : fs::path(options.checkpointRoot);
    exchange::RestoreOptions ro;
    std::vector<fs::path> created;
    try {
        for (const std::string &ref : reader.manifest().checkpointRuns) {
            if (ref.size() < 2 || ref[0] != 'q' || ref.find_first_not_of("0123456789", 1) != std::string::npos)
                throw Error(bundlePath, "manifest.json names checkpoint run \"" + ref + "\", which is not a q<N> id");
            // Named after the bundle's content, so a second import of it finds the same folder.
            const fs::path dir = root / ("bundle-" + snapshot->sha256.substr(0, 12) + "-" + ref);
            if (!fs::exists(dir)) {
                const fs::path tmp = dir.string() + ".tmp-" + std::to_string(::getpid());
                std::error_code ec;
                fs::remove_all(tmp, ec);
                if (reader.extract("checkpoints/" + ref + "/", tmp.string(), progress) == 0)
                    throw Error(bundlePath, "manifest.json lists a checkpoint for " + ref + " but holds none of its files");
                fs::rename(tmp, dir);
                created.push_back(dir);
            }
            ro.outputPaths[std::stoll(ref.substr(1))] = dir.string();
            out.checkpointDirs.push_back(dir.string());
        }
        out.restore = restore(out.storePath, json, bundlePath + ": experiment.json", ro);
    } catch (...) {
        std::error_code ec;
        for (const fs::path &d : created)
            fs::remove_all(d, ec);
        throw;
    }
    return out;
}

} // namespace lieq::ui::bundle
