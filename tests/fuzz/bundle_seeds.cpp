// Writes the seed inputs of the bundle fuzz targets (not a test; built on demand):
//   lieq_fuzz_bundle_seeds tests/fuzz/corpus
// A store with the fixture experiment (tests/exchange/experiment_fixture.h) is exported as a
// bundle without and with a small checkpoint folder; the bundles seed bundle_import, and their
// manifest.json / experiment.json entries seed bundle_manifest and experiment_restore.
#include "core/store/experiment_store.h"
#include "core/util/atomic_file.h"
#include "tests/exchange/experiment_fixture.h"
#include "ui/bundle/bundle_reader.h"
#include "ui/bundle/bundle_writer.h"

#include <QTemporaryDir>

#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;
using namespace lieq::ui::bundle;

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const std::string out = argv[1];
    QTemporaryDir tmp;
    const std::string store = tmp.filePath(QStringLiteral("src.sqlite")).toStdString();
    const std::string ckpt = tmp.filePath(QStringLiteral("ckpt")).toStdString();
    fs::create_directories(ckpt);
    lieq::writeFileAtomic(ckpt + "/config.json", "{\"model_type\": \"llama\"}\n");
    lieq::writeFileAtomic(ckpt + "/model.safetensors", std::string(64, '\0'));
    ExperimentFixture f;
    {
        lieq::store::ExperimentStore s(store);
        f.write(s, ckpt);
    }
    for (const auto &dir : {"bundle_import", "bundle_manifest", "experiment_restore"})
        fs::create_directories(out + "/" + dir);
    for (bool checkpoints : {false, true}) {
        BundleRequest r;
        r.storePath = store;
        r.runs = lieq::exchange::parseRunRefs({"a" + std::to_string(f.analysisId),
                                              "q" + std::to_string(f.rtnId),
                                              "q" + std::to_string(f.gptqId)});
        r.report = false;
        r.checkpoints = checkpoints;
        r.versions = {{"lieq", "seed"}};
        const std::string name = checkpoints ? "with_checkpoints" : "runs_only";
        const std::string zip = out + "/bundle_import/" + name;
        writeBundle(r, zip);
        BundleReader reader(zip);
        lieq::writeFileAtomic(out + "/bundle_manifest/" + name, reader.manifest().toJson());
        lieq::writeFileAtomic(out + "/experiment_restore/" + name, reader.read("experiment.json"));
    }
    std::printf("bundle seeds written under %s\n", out.c_str());
    return 0;
}
