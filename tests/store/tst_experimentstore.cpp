// ExperimentStore API: models and datasets, analysis run lifecycle with streamed layers,
// reuse, history listing, cascading deletes, crash recovery, plans, quant runs, evaluations.
#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/store/schema.h"
#include "core/store/statement.h"
#include "tests/store/store_qtest.h"
#include "core/util/atomic_file.h"
#include "core/util/atomic_folder.h"
#include "core/util/error.h"

#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace lieq;
using namespace lieq::store;
namespace fs = std::filesystem;

namespace {

ModelRecord makeModel(const std::string &name)
{
    ModelRecord m;
    m.path = "/models/" + name;
    m.name = name;
    m.fingerprint = "fp-" + name;
    m.architecture = "LlamaForCausalLM";
    m.layerCount = 4;
    m.paramCount = 1000;
    m.dtype = "bfloat16";
    m.bytes = 2000;
    return m;
}

DatasetRecord makeDataset(const std::string &hash)
{
    DatasetRecord d;
    d.path = "/data/" + hash + ".txt";
    d.kind = "text";
    d.contentHash = hash;
    d.bytes = 10;
    return d;
}

std::int64_t countRows(ExperimentStore &s, const std::string &table)
{
    Statement st(s.database(), "SELECT count(*) FROM " + table);
    return st.step() ? st.columnInt(0) : -1;
}

std::vector<LayerMetric> layerRows(int layer)
{
    return {{layer, "dppl", 0.5 * layer}, {layer, "dr", 0.1 + layer}, {layer, "dE", kNoValue}};
}

std::vector<ProjectionMetric> projectionRows(int layer)
{
    std::vector<ProjectionMetric> rows;
    for (const char *p : {"q", "k", "v", "o", "gate", "up", "down"})
        rows.push_back({layer, p, "dr", std::nullopt, 0.01 * layer});
    rows.push_back({layer, "q", "dr", 0, 0.2});
    rows.push_back({layer, "q", "dr", 1, 0.3});
    return rows;
}

// Runs `work` in a child process that then ends by _exit -- no finish call, no destructors: like
// a kill -- and returns the child's pid once it has ended, or -1 when `work` threw or the child
// did not exit with 0.
pid_t dieAfter(const std::function<void()> &work)
{
    const pid_t child = ::fork();
    if (child == 0) {
        try {
            work();
        } catch (...) {
            ::_exit(3);
        }
        ::_exit(0);
    }
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    return child;
}

// The store's only run, marked interrupted by this open; nullopt when that is not the case.
std::optional<RunSummary> onlyInterruptedRun(ExperimentStore &s)
{
    const auto runs = s.listRuns().runs;
    if (s.interruptedOnOpen() != 1 || runs.size() != 1 || runs[0].status != RunStatus::Interrupted)
        return std::nullopt;
    return runs[0];
}

struct Fixture
{
    QTemporaryDir dir;
    std::string path = dir.filePath(QStringLiteral("store.sqlite")).toStdString();
    ExperimentStore store{path};
    std::int64_t model = store.upsertModel(makeModel("tiny"));
    std::int64_t data = store.upsertDataset(makeDataset("h1"));

    std::int64_t run(const std::string &settings = R"({"seqlen":512,"samples":128})",
                     const std::string &backend = "cpu")
    {
        return store.beginAnalysisRun({model, data, backend, settings, 1234});
    }
};

} // namespace

class TestExperimentStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void upsertIsIdempotentByFingerprint()
    {
        Fixture f;
        ModelRecord moved = makeModel("tiny");
        moved.path = "/elsewhere/tiny";
        QCOMPARE(f.store.upsertModel(moved), f.model);
        QCOMPARE(f.store.model(f.model)->path, std::string("/elsewhere/tiny"));
        QVERIFY(f.store.upsertModel(makeModel("other")) != f.model);
        QCOMPARE(f.store.models().size(), std::size_t(2));
        DatasetRecord asJsonl = makeDataset("h1");
        asJsonl.kind = "jsonl:text"; // same bytes read another way: another dataset
        QVERIFY(f.store.upsertDataset(asJsonl) != f.data);
        QCOMPARE(f.store.upsertDataset(makeDataset("h1")), f.data);
        QCOMPARE(f.store.modelByFingerprint("fp-tiny")->id, f.model);
        QVERIFY(!f.store.modelByFingerprint("nope"));
    }

    void runStreamsLayersThenFinishes()
    {
        Fixture f;
        const auto id = f.run();
        QCOMPARE(f.store.analysisRun(id)->status, RunStatus::Running);
        for (int layer = 0; layer < 4; ++layer) {
            f.store.appendLayerMetrics(id, layerRows(layer), projectionRows(layer));
            // Each layer is visible to a reader (a live chart) as soon as it is appended.
            const auto partial = f.store.loadAnalysisRun(id);
            QCOMPARE(partial->layers.size(), std::size_t(3 * (layer + 1)));
        }
        f.store.finishAnalysisRun(id, {RunStatus::Done, "", R"({"dppl":2.0,"compact":1.0})", 3.0});
        const auto d = f.store.loadAnalysisRun(id);
        QVERIFY(d);
        QCOMPARE(d->run.status, RunStatus::Done);
        QVERIFY(d->run.finishedAtMs.has_value());
        QCOMPARE(d->run.wallSeconds, 3.0);
        QCOMPARE(d->run.timingsJson, std::string(R"({"compact":1.0,"dppl":2.0})"));
        QCOMPARE(d->run.seed, std::optional<std::int64_t>(1234));
        QCOMPARE(d->model.name, std::string("tiny"));
        QCOMPARE(d->dataset.contentHash, std::string("h1"));
        QCOMPARE(d->layers.size(), std::size_t(12));
        QCOMPARE(d->projections.size(), std::size_t(36));
        QCOMPARE(d->layers[0].metric, std::string("dE"));
        QVERIFY(std::isnan(d->layers[0].value));
        QCOMPARE(d->layers[1].metric, std::string("dppl"));
        QCOMPARE(d->layers[4 * 3 - 1].value, 3.1); // layer 3, "dr"
        QCOMPARE(f.store.listRuns().runs.at(0).layerRows, std::int64_t(4));
        // A finished run is frozen.
        QVERIFY_THROWS_EXCEPTION(Error, f.store.appendLayerMetrics(id, layerRows(4)));
        QVERIFY_THROWS_EXCEPTION(Error, f.store.finishAnalysisRun(id, {RunStatus::Failed}));
    }

    void failingLayerLeavesNothingHalfWritten()
    {
        Fixture f;
        const auto id = f.run();
        f.store.appendLayerMetrics(id, layerRows(0), projectionRows(0));
        // Layer 1's batch fails on its last projection row (a duplicate key): none of the
        // layer's rows, in either table, may remain.
        auto proj = projectionRows(1);
        proj.push_back(proj.front());
        try {
            f.store.appendLayerMetrics(id, layerRows(1), proj);
            QFAIL("duplicate rows were accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find(f.path) != std::string::npos, e.what());
        }
        const auto d = f.store.loadAnalysisRun(id);
        QCOMPARE(d->layers.size(), std::size_t(3));
        QCOMPARE(d->projections.size(), std::size_t(9));
        for (const auto &p : d->projections)
            QCOMPARE(p.layer, 0);
        QCOMPARE(d->run.status, RunStatus::Running);
        f.store.appendLayerMetrics(id, layerRows(1), projectionRows(1)); // retry works
        QCOMPARE(f.store.loadAnalysisRun(id)->layers.size(), std::size_t(6));
    }

    void unfinishedRunsKeepTheirStatus_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("error");
        QTest::newRow("cancelled") << int(RunStatus::Cancelled) << QString();
        QTest::newRow("failed") << int(RunStatus::Failed) << QStringLiteral("model.safetensors: truncated");
    }

    void unfinishedRunsKeepTheirStatus()
    {
        QFETCH(int, status);
        QFETCH(QString, error);
        Fixture f;
        const auto id = f.run();
        f.store.appendLayerMetrics(id, layerRows(0));
        f.store.finishAnalysisRun(id, {RunStatus(status), error.toStdString()});
        const auto d = f.store.loadAnalysisRun(id);
        QCOMPARE(int(d->run.status), status);
        QCOMPARE(d->run.errorText, error.toStdString());
        QCOMPARE(d->layers.size(), std::size_t(3)); // what was computed stays inspectable
        RunFilter filter;
        filter.status = RunStatus(status);
        QCOMPARE(f.store.listRuns(filter).total, std::int64_t(1));
        // ...but is never offered for reuse.
        QVERIFY(!f.store.findReusableAnalysisRun("fp-tiny", "h1", d->run.settingsHash));
    }

    void reuseNeedsSameModelDataAndSettings()
    {
        Fixture f;
        const auto done = f.run(R"({"samples":128,"seqlen":512})");
        f.store.finishAnalysisRun(done, {RunStatus::Done});
        const std::string hash = f.store.analysisRun(done)->settingsHash;
        // Key order and whitespace do not matter: settings are canonicalised.
        QCOMPARE(settingsHash("{ \"seqlen\": 512, \"samples\": 128 }"), hash);
        QCOMPARE(*f.store.findReusableAnalysisRun("fp-tiny", "h1", hash), done);
        QVERIFY(!f.store.findReusableAnalysisRun("fp-tiny", "h1", settingsHash(R"({"seqlen":256,"samples":128})")));
        QVERIFY(!f.store.findReusableAnalysisRun("fp-tiny", "h2", hash));
        QVERIFY(!f.store.findReusableAnalysisRun("fp-other", "h1", hash));
        const auto running = f.run(R"({"samples":128,"seqlen":512})");
        QCOMPARE(*f.store.findReusableAnalysisRun("fp-tiny", "h1", hash), done); // not the running one
        f.store.finishAnalysisRun(running, {RunStatus::Done});
        QCOMPARE(*f.store.findReusableAnalysisRun("fp-tiny", "h1", hash), running); // newest
    }

    void invalidSettingsAreRejected()
    {
        Fixture f;
        QVERIFY_THROWS_EXCEPTION(Error, f.run("{seqlen: 512"));
        QCOMPARE(countRows(f.store, "analysis_runs"), std::int64_t(0));
        QVERIFY_THROWS_EXCEPTION(Error, f.store.beginAnalysisRun({9999, f.data, "cpu", "{}", {}}));
        QCOMPARE(countRows(f.store, "analysis_runs"), std::int64_t(0));
    }

    void listFiltersAndPages()
    {
        Fixture f;
        const auto other = f.store.upsertModel(makeModel("qwen"));
        const auto data2 = f.store.upsertDataset(makeDataset("h2"));
        std::set<std::int64_t> tinyDone;
        for (int i = 0; i < 7; ++i) {
            const auto id = f.run(R"({"i":)" + std::to_string(i) + "}", i % 2 ? "cuda" : "cpu");
            f.store.finishAnalysisRun(id, {i == 6 ? RunStatus::Failed : RunStatus::Done});
            if (i != 6)
                tinyDone.insert(id);
        }
        const auto qwenRun = f.store.beginAnalysisRun({other, data2, "cpu", "{}", {}});
        Plan plan;
        plan.modelId = other;
        plan.method = "uniform";
        plan.budgetBits = 4;
        const auto quant = f.store.beginQuantRun({f.store.addPlan(plan), data2, "gptq", "{}", {}});

        QCOMPARE(f.store.listRuns().total, std::int64_t(9));
        RunFilter byModel;
        byModel.modelId = f.model;
        QCOMPARE(f.store.listRuns(byModel).total, std::int64_t(7));
        RunFilter byText;
        byText.model = "qwe";
        const auto qwen = f.store.listRuns(byText);
        QCOMPARE(qwen.total, std::int64_t(2));
        std::set<RunKind> kinds;
        for (const auto &r : qwen.runs)
            kinds.insert(r.kind);
        QCOMPARE(kinds.size(), std::size_t(2));
        RunFilter byKind;
        byKind.kind = RunKind::Quant;
        const auto quants = f.store.listRuns(byKind);
        QCOMPARE(quants.total, std::int64_t(1));
        QCOMPARE(quants.runs[0].id, quant);
        QCOMPARE(quants.runs[0].backend, std::string("gptq"));
        QVERIFY(quants.runs[0].planId.has_value());
        RunFilter byBackend;
        byBackend.backend = "cuda";
        QCOMPARE(f.store.listRuns(byBackend).total, std::int64_t(3));
        RunFilter byData;
        byData.datasetId = data2;
        QCOMPARE(f.store.listRuns(byData).total, std::int64_t(2));
        RunFilter running;
        running.status = RunStatus::Running;
        QCOMPARE(f.store.listRuns(running).total, std::int64_t(2));
        RunFilter combined;
        combined.modelId = f.model;
        combined.status = RunStatus::Done;
        combined.limit = 4;
        std::set<std::int64_t> seen;
        for (combined.offset = 0; combined.offset < 8; combined.offset += 4) {
            const auto page = f.store.listRuns(combined);
            QCOMPARE(page.total, std::int64_t(6));
            QCOMPARE(page.runs.size(), std::size_t(combined.offset == 0 ? 4 : 2));
            for (const auto &r : page.runs)
                QVERIFY(seen.insert(r.id).second); // pages do not overlap
        }
        QCOMPARE(seen, tinyDone);
        // Newest first.
        const auto all = f.store.listRuns();
        for (std::size_t i = 1; i < all.runs.size(); ++i)
            QVERIFY(all.runs[i - 1].createdAtMs >= all.runs[i].createdAtMs);
        Q_UNUSED(qwenRun);
    }

    void deleteCascadesToMetrics()
    {
        Fixture f;
        const auto keep = f.run();
        const auto drop = f.run(R"({"x":1})");
        for (int l = 0; l < 3; ++l) {
            f.store.appendLayerMetrics(keep, layerRows(l), projectionRows(l));
            f.store.appendLayerMetrics(drop, layerRows(l), projectionRows(l));
        }
        f.store.finishAnalysisRun(drop, {RunStatus::Done});
        Plan plan;
        plan.modelId = f.model;
        plan.sourceRunId = drop;
        plan.method = "lieq-topk";
        plan.budgetBits = 2.5;
        const auto planId = f.store.addPlan(plan);
        QVERIFY(f.store.deleteAnalysisRun(drop));
        QVERIFY(!f.store.deleteAnalysisRun(drop));
        QVERIFY(!f.store.loadAnalysisRun(drop));
        QCOMPARE(countRows(f.store, "analysis_layer_metrics"), std::int64_t(9));
        QCOMPARE(countRows(f.store, "analysis_projection_metrics"), std::int64_t(27));
        // The plan outlives the run that suggested it, unlinked.
        QVERIFY(!f.store.plan(planId)->sourceRunId.has_value());
        QVERIFY(f.store.deleteModel(f.model));
        QCOMPARE(countRows(f.store, "analysis_runs"), std::int64_t(0));
        QCOMPARE(countRows(f.store, "analysis_layer_metrics"), std::int64_t(0));
        QCOMPARE(countRows(f.store, "plans"), std::int64_t(0));
    }

    void crashedRunIsMarkedInterrupted()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("crash.sqlite")).toStdString();
        std::int64_t model = 0, data = 0;
        {
            ExperimentStore s(path);
            model = s.upsertModel(makeModel("tiny"));
            data = s.upsertDataset(makeDataset("h1"));
        }
        // A child process starts a run, stores one layer and dies without finishing it.
        const pid_t child = dieAfter([&] {
            ExperimentStore s(path);
            const auto id = s.beginAnalysisRun({model, data, "cpu", "{}", {}});
            s.appendLayerMetrics(id, layerRows(0));
        });
        QVERIFY(child > 0);

        ExperimentStore s(path);
        const auto run = onlyInterruptedRun(s);
        QVERIFY(run);
        QVERIFY(run->errorText.find(std::to_string(child)) != std::string::npos);
        QCOMPARE(s.loadAnalysisRun(run->id)->layers.size(), std::size_t(3)); // layer 0 kept
        ExperimentStore again(path);
        QCOMPARE(again.interruptedOnOpen(), 0);
    }

    // A quantize process killed after it recorded its pending checkpoint folder, before or after
    // the rename that puts it in place, but before finishQuantRun: the next open keeps the
    // complete new folder aside, so that a folder under the final name belongs to a finished run
    // only. The run replaces an earlier checkpoint: killed before the rename, that one stays;
    // after, it was already removed (the undo from every intermediate step: tst_atomicfile).
    void crashedQuantRunOutputIsUndone_data()
    {
        QTest::addColumn<int>("deathAt"); // 0 while writing, 1 before the rename, 2 after it
        QTest::newRow("killed while writing") << 0;
        QTest::newRow("killed before the rename") << 1;
        QTest::newRow("killed after the rename") << 2;
    }

    void crashedQuantRunOutputIsUndone()
    {
        QFETCH(int, deathAt);
        const bool placed = deathAt == 2, written = deathAt > 0;
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("crash.sqlite")).toStdString();
        const std::string out = dir.filePath(QStringLiteral("q")).toStdString();
        fs::create_directories(out);
        writeFileAtomic(out + "/weights", "earlier");
        std::int64_t planId = 0, data = 0;
        {
            ExperimentStore s(path);
            Plan plan;
            plan.modelId = s.upsertModel(makeModel("tiny"));
            plan.method = "uniform";
            plan.budgetBits = 4;
            planId = s.addPlan(plan);
            data = s.upsertDataset(makeDataset("h1"));
        }
        QVERIFY(dieAfter([&] { // after the rename: folder in place, no finishQuantRun
                    ExperimentStore s(path);
                    const auto id = s.beginQuantRun({planId, data, "rtn", "{}", {}});
                    writeFolderAtomic(
                        out,
                        [&](const fs::path &tmp) {
                            writeFileAtomic((tmp / "weights").string(), "new");
                            if (!written)
                                ::_exit(0); // dies with a partial temporary
                        },
                        [&](FolderStep step) {
                            s.setPendingOutput(id, out, step == FolderStep::Placing);
                            if (step == FolderStep::Placing && !placed)
                                ::_exit(0); // dies with the temporary complete, before any rename
                        });
                }) > 0);

        ExperimentStore s(path);
        const auto run = onlyInterruptedRun(s);
        QVERIFY(run);
        QCOMPARE(s.loadQuantRun(run->id)->run.outputPath, std::string());
        QCOMPARE(fs::exists(out), !placed);
        if (!placed)
            QCOMPARE(readFile(out + "/weights"), std::string("earlier"));
        const std::string aside = out + ".interrupted-run" + std::to_string(run->id);
        QCOMPARE(fs::exists(aside), written);
        QCOMPARE(run->errorText.find(aside) != std::string::npos, written);
        if (written)
            QCOMPARE(readFile(aside + "/weights"), std::string("new"));
        // Nothing else beside it: no temporary, no replaced or half-removed folder.
        for (const auto &e : fs::directory_iterator(dir.path().toStdString())) {
            const std::string name = e.path().filename().string();
            QVERIFY2(name.rfind("crash.sqlite", 0) == 0 || name == "q" || (written && e.path() == fs::path(aside)),
                     name.c_str());
        }
        ExperimentStore again(path); // nothing more to do, nothing moved again
        QCOMPARE(again.interruptedOnOpen(), 0);
        QCOMPARE(fs::exists(out), !placed);
        QCOMPARE(fs::exists(aside), written);
    }

    void liveRunIsNotInterrupted()
    {
        Fixture f;
        const auto id = f.run();
        ExperimentStore second(f.path); // e.g. the GUI opening while the CLI analyses
        QCOMPARE(second.interruptedOnOpen(), 0);
        QCOMPARE(second.analysisRun(id)->status, RunStatus::Running);
        f.store.appendLayerMetrics(id, layerRows(0));
        QCOMPARE(second.loadAnalysisRun(id)->layers.size(), std::size_t(3)); // WAL: sees it
    }

    void plansQuantRunsAndEvaluations()
    {
        Fixture f;
        const auto source = f.run();
        f.store.finishAnalysisRun(source, {RunStatus::Done});
        Plan plan;
        plan.modelId = f.model;
        plan.sourceRunId = source;
        plan.name = "one 4-bit layer";
        plan.method = "lieq-topk";
        plan.budgetBits = 2.5;
        plan.bitsJson = "[4, 2, 2, 2]";
        plan.nominalBits = 2.5;
        plan.effectiveBits = 2.75;
        plan.settingsJson = R"({"pins":[],"bitSet":[2,4]})";
        const auto planId = f.store.addPlan(plan);
        const auto stored = f.store.plan(planId);
        QCOMPARE(stored->bitsJson, std::string("[4,2,2,2]"));
        QCOMPARE(stored->effectiveBits, 2.75);
        QCOMPARE(f.store.plans(f.model).size(), std::size_t(1));
        QCOMPARE(f.store.plans(f.model + 100).size(), std::size_t(0));

        const auto q = f.store.beginQuantRun({planId, f.data, "gptq", R"({"groupSize":128})", 7});
        f.store.appendModuleLosses(q, {{0, "q_proj", 4, 0.01, 0.5}, {0, "k_proj", 4, 0.02, 0.4}});
        f.store.appendModuleLosses(q, {{1, "q_proj", 2, 0.3, kNoValue}});
        f.store.finishQuantRun(q, {RunStatus::Done, "", "{}", 12.0}, "/out/model-q.gguf", 4096);
        const auto d = f.store.loadQuantRun(q);
        QVERIFY(d);
        QCOMPARE(d->run.modelId, f.model);
        QCOMPARE(d->run.outputPath, std::string("/out/model-q.gguf"));
        QCOMPARE(d->run.outputBytes, std::int64_t(4096));
        QCOMPARE(d->plan.name, std::string("one 4-bit layer"));
        QCOMPARE(d->losses.size(), std::size_t(3));
        QCOMPARE(d->losses[0].module, std::string("k_proj")); // ordered by layer, module
        QVERIFY(std::isnan(d->losses[2].seconds));
        QCOMPARE(*f.store.findReusableQuantRun(planId, f.data, d->run.settingsHash), q);
        QVERIFY(!f.store.findReusableQuantRun(planId, std::nullopt, d->run.settingsHash));

        EvalResult base;
        base.modelId = f.model;
        base.task = "wikitext2";
        base.metric = "ppl";
        base.value = 10.0;
        base.n = 140;
        EvalResult quantised = base;
        quantised.modelId = 0; // filled in from the run's plan
        quantised.quantRunId = q;
        quantised.value = 12.5;
        const auto ids = f.store.addEvalResults({base, quantised});
        QCOMPARE(ids.size(), std::size_t(2));
        EvalFilter baseline;
        baseline.modelId = f.model;
        baseline.baselineOnly = true;
        QCOMPARE(f.store.evalResults(baseline).size(), std::size_t(1));
        EvalFilter ofRun;
        ofRun.quantRunId = q;
        const auto rows = f.store.evalResults(ofRun);
        QCOMPARE(rows.size(), std::size_t(1));
        QCOMPARE(rows[0].modelId, f.model);
        QCOMPARE(rows[0].value, 12.5);
        QCOMPARE(rows[0].n, std::int64_t(140));
        // A bad row fails the whole batch.
        EvalResult bad = base;
        bad.quantRunId = 424242;
        QVERIFY_THROWS_EXCEPTION(Error, f.store.addEvalResults({base, bad}));
        QCOMPARE(countRows(f.store, "eval_results"), std::int64_t(2));

        QVERIFY(f.store.deletePlan(planId));
        QVERIFY(!f.store.loadQuantRun(q));
        QCOMPARE(countRows(f.store, "quant_module_losses"), std::int64_t(0));
        QCOMPARE(f.store.evalResults().size(), std::size_t(1)); // baseline stays
        QVERIFY(f.store.deleteEvalResult(ids[0]));
        QCOMPARE(f.store.evalResults().size(), std::size_t(0));
    }

    void defaultPathFollowsEnvironment()
    {
        const QByteArray oldStore = qgetenv("LIEQ_STORE");
        const QByteArray oldXdg = qgetenv("XDG_DATA_HOME");
        qunsetenv("LIEQ_STORE");
        qputenv("XDG_DATA_HOME", "/tmp/xdg-test");
        QCOMPARE(ExperimentStore::defaultPath(),
                 std::string("/tmp/xdg-test/lieq-workbench/experiments.sqlite"));
        qputenv("LIEQ_STORE", "/tmp/custom.sqlite");
        QCOMPARE(ExperimentStore::defaultPath(), std::string("/tmp/custom.sqlite"));
        qunsetenv("LIEQ_STORE");
        qunsetenv("XDG_DATA_HOME");
        const std::string home = qgetenv("HOME").toStdString();
        if (!home.empty())
            QCOMPARE(ExperimentStore::defaultPath(),
                     home + "/.local/share/lieq-workbench/experiments.sqlite");
        if (!oldStore.isNull())
            qputenv("LIEQ_STORE", oldStore);
        if (!oldXdg.isNull())
            qputenv("XDG_DATA_HOME", oldXdg);
    }

    void createsMissingFolders()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("a/b/store.sqlite")).toStdString();
        ExperimentStore s(path);
        QCOMPARE(s.schemaVersion(), latestSchemaVersion());
        QVERIFY(QFile::exists(QString::fromStdString(path)));
    }
};

QTEST_GUILESS_MAIN(TestExperimentStore)
#include "tst_experimentstore.moc"
