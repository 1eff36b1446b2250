// `lieq import BUNDLE`: restore an experiment bundle (lieq export --bundle) into the store.
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/jobs/import_job.h"
#include "core/util/error.h"
#include "ui/bundle/bundle_import.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace {

using lieq::cli::Args;

int run(const Args &args)
{
    const std::string bundle = args.positional(0, "BUNDLE");
    const auto common = args.common();
    if (!common.store)
        args.fail("--no-store makes no sense here: importing writes the store");
    lieq::cli::TerminalProgress bar(!common.quiet && !common.json);
    lieq::ui::bundle::ImportOptions o;
    o.storePath = common.storePath;
    o.checkpointRoot = args.value("checkpoints");
    const auto r = lieq::ui::bundle::importBundle(bundle, o, lieq::jobs::importSnapshot, bar.callback());
    bar.finish();
    std::vector<std::string> runs;
    for (const auto &ref : r.restore.runs)
        runs.push_back(ref.text());
    if (common.json) {
        std::printf("%s\n", nlohmann::json{{"store", r.storePath}, {"runs", runs}, {"added_rows", r.restore.added},
                                           {"already_present", r.restore.alreadyPresent},
                                           {"checkpoints", r.checkpointDirs}, {"title", r.manifest.title}}
                                .dump(2)
                                .c_str());
        return 0;
    }
    std::printf("imported %s into %s: %d rows added, %d already there\n", bundle.c_str(), r.storePath.c_str(),
                r.restore.added, r.restore.alreadyPresent);
    for (const std::string &ref : runs)
        std::printf("  run %s\n", ref.c_str());
    for (const std::string &dir : r.checkpointDirs)
        std::printf("  checkpoint %s\n", dir.c_str());
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq import BUNDLE
restore an experiment bundle into the store
--checkpoints DIR   where bundled checkpoints go (default: imported/ beside the store)
)",
    {},
    "\nThe bundle is checked completely first (entry names, types, sizes, CRCs, the manifest's\n"
    "SHA-256 of every file); a bundle with absolute paths, \"..\", symbolic links or sizes that lie\n"
    "is refused and nothing is written. Importing the same bundle twice adds nothing.\n");

} // namespace
