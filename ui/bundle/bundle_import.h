#pragma once

#include "core/exchange/experiment_restore.h"
#include "core/util/progress.h"
#include "ui/bundle/bundle_manifest.h"

#include <functional>
#include <string>
#include <vector>

namespace lieq::ui::bundle {

struct ImportOptions
{
    std::string storePath;      // empty: the default store
    std::string checkpointRoot; // empty: "imported" beside the store file
};

struct ImportResult
{
    std::string storePath;
    BundleManifest manifest;
    exchange::RestoreResult restore;
    std::vector<std::string> checkpointDirs; // where bundled checkpoints now lie
};

// Writes the bundle's experiment.json into the store at storePath in one transaction: the import
// job, jobs::importSnapshot, for the CLI and the GUI. A parameter so that this library needs no
// torch (the jobs layer links it) and the clang fuzz build can compile it.
using SnapshotRestore = std::function<exchange::RestoreResult(
    const std::string &storePath, const std::string &snapshotJson, const std::string &source,
    const exchange::RestoreOptions &options)>;

// `lieq import BUNDLE` and File > Import: verifies the whole bundle first (BundleReader:
// names, types, sizes, CRCs, SHA-256), then extracts bundled checkpoints (each into a
// temporary folder renamed when complete), then writes the experiment's rows into the store
// through `restore`. Any failure leaves the store as it was and removes what this call
// extracted. Importing the same bundle again adds nothing.
ImportResult importBundle(const std::string &bundlePath, const ImportOptions &options,
                          const SnapshotRestore &restore, const ProgressFn &progress = {});

} // namespace lieq::ui::bundle
