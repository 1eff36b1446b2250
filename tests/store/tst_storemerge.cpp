// Merging one experiment store into another (what `lieq sweep collect` does with each cell's
// store): every row arrives once with its references remapped, natural keys are matched,
// merging again adds nothing, running runs arrive interrupted, bad sources leave the destination
// untouched; and the sweep records History groups runs by.
#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/schema.h"
#include "core/store/statement.h"
#include "core/store/store_merge.h"
#include "core/store/sweep_records.h"
#include "core/util/error.h"
#include "tests/store/store_qtest.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace lieq;
using namespace lieq::store;

namespace {

ModelRecord model(const std::string &name, const std::string &path)
{
    ModelRecord m;
    m.path = path;
    m.name = name;
    m.fingerprint = "fp-" + name;
    m.architecture = "Qwen3ForCausalLM";
    m.layerCount = 2;
    m.paramCount = 100;
    m.dtype = "bfloat16";
    return m;
}

DatasetRecord dataset(const std::string &hash)
{
    DatasetRecord d;
    d.path = "/data/" + hash;
    d.kind = "text";
    d.contentHash = hash;
    return d;
}

std::int64_t count(ExperimentStore &s, const std::string &table)
{
    Statement st(s.database(), "SELECT count(*) FROM " + table);
    return st.step() ? st.columnInt(0) : -1;
}

// What a sweep cell's store holds: an analysis run with metrics, a plan from it, a finished
// quant run with losses and evaluations, a baseline evaluation, and a run its killed worker
// left "running".
struct CellStore
{
    std::int64_t quantRun = 0, runningRun = 0, analysisRun = 0, plan = 0;

    explicit CellStore(const std::string &path, const std::string &modelName = "demo")
    {
        ExperimentStore s(path);
        const std::int64_t m = s.upsertModel(model(modelName, "/cell/" + modelName));
        const std::int64_t d = s.upsertDataset(dataset("calib"));
        analysisRun = s.beginAnalysisRun({m, d, "cpu", R"({"samples":4})", 0});
        s.appendLayerMetrics(analysisRun, {{0, "dr", 0.5}, {1, "dr", 0.25}},
                             {{0, "q", "dr", std::nullopt, 0.1}, {0, "q", "dr", 0, 0.2}});
        s.finishAnalysisRun(analysisRun, RunOutcome(RunStatus::Done));
        Plan p;
        p.modelId = m;
        p.sourceRunId = analysisRun;
        p.method = "paper";
        p.budgetBits = 3;
        p.bitsJson = "[4,2]";
        plan = s.addPlan(p);
        quantRun = s.beginQuantRun({plan, d, "gptq", R"({"group":128})", 0});
        s.appendModuleLosses(quantRun, {{0, "q_proj", 4, 0.01, 0.1}, {1, "q_proj", 2, 0.2, 0.1}});
        s.finishQuantRun(quantRun, RunOutcome(RunStatus::Done, {}, R"({"total_s":1.5})", 1.5));
        EvalResult e;
        e.quantRunId = quantRun;
        e.task = "wiki";
        e.metric = "ppl";
        e.value = 42.5;
        EvalResult base = e;
        base.quantRunId.reset();
        base.modelId = m;
        base.value = 40.0;
        s.addEvalResults({e, base});
        // A table added by a later migration merges without the merge knowing it.
        KlStatsRecord kl;
        kl.quantRunId = quantRun;
        kl.referenceModelId = m;
        kl.klMean = 0.031;
        s.addKlStats(kl);
        runningRun = s.beginQuantRun({plan, d, "rtn", "{}", 1});
    }
};

} // namespace

class TestStoreMerge : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void mergeOnceAndIdempotent()
    {
        QTemporaryDir tmp;
        const std::string cellPath = tmp.filePath(QStringLiteral("cell.sqlite")).toStdString();
        const CellStore cell(cellPath);
        ExperimentStore dest(tmp.filePath(QStringLiteral("user.sqlite")).toStdString());
        // The user already has this model (another path) and an unrelated plan.
        const std::int64_t userModel = dest.upsertModel(model("demo", "/home/user/demo"));
        Plan other;
        other.modelId = userModel;
        other.method = "uniform";
        other.budgetBits = 4;
        dest.addPlan(other);

        const MergeReport first = mergeStore(dest, cellPath, "sweep-cell-0-a");
        QCOMPARE(first.added.count("models"), std::size_t(0)); // matched by fingerprint
        QCOMPARE(first.added.at("datasets"), std::int64_t(1));
        QCOMPARE(first.added.at("analysis_runs"), std::int64_t(1));
        QCOMPARE(first.added.at("analysis_layer_metrics"), std::int64_t(2));
        QCOMPARE(first.added.at("analysis_projection_metrics"), std::int64_t(2));
        QCOMPARE(first.added.at("plans"), std::int64_t(1));
        QCOMPARE(first.added.at("quant_runs"), std::int64_t(2));
        QCOMPARE(first.added.at("quant_module_losses"), std::int64_t(2));
        QCOMPARE(first.added.at("eval_results"), std::int64_t(2));
        QCOMPARE(first.added.at("kl_stats"), std::int64_t(1));
        QCOMPARE(count(dest, "models"), std::int64_t(1));
        QCOMPARE(dest.model(userModel)->path, std::string("/home/user/demo")); // not overwritten
        QCOMPARE(count(dest, "plans"), std::int64_t(2));

        // References point at the destination's rows.
        const auto q = mergedRowId(dest, "sweep-cell-0-a", "quant_runs", cell.quantRun);
        QVERIFY(q.has_value());
        const auto detail = dest.loadQuantRun(*q);
        QVERIFY(detail.has_value());
        QCOMPARE(detail->run.status, RunStatus::Done);
        QCOMPARE(detail->run.wallSeconds, 1.5);
        QCOMPARE(detail->plan.modelId, userModel);
        QCOMPARE(detail->plan.bitsJson, std::string("[4,2]"));
        QCOMPARE(detail->plan.sourceRunId, mergedRowId(dest, "sweep-cell-0-a", "analysis_runs",
                                                       cell.analysisRun));
        QCOMPARE(int(detail->losses.size()), 2);
        QCOMPARE(detail->losses[1].loss, 0.2);
        EvalFilter byRun;
        byRun.quantRunId = *q;
        const auto evals = dest.evalResults(byRun);
        QCOMPARE(int(evals.size()), 1);
        QCOMPARE(evals[0].value, 42.5);
        KlStatsFilter klOfRun;
        klOfRun.quantRunId = *q;
        const auto kls = dest.klStats(klOfRun);
        QCOMPARE(int(kls.size()), 1);
        QCOMPARE(kls[0].klMean, 0.031);
        QCOMPARE(kls[0].referenceModelId, userModel);
        EvalFilter baseline;
        baseline.modelId = userModel;
        baseline.baselineOnly = true;
        QCOMPARE(int(dest.evalResults(baseline).size()), 1);
        // The run its killed worker left behind arrives interrupted, with the reason.
        const auto killed = dest.loadQuantRun(*mergedRowId(dest, "sweep-cell-0-a", "quant_runs",
                                                          cell.runningRun));
        QCOMPARE(killed->run.status, RunStatus::Interrupted);
        QVERIFY(QString::fromStdString(killed->run.errorText).contains(QStringLiteral("worker")));

        // Twice adds nothing.
        const std::int64_t before = count(dest, "eval_results") + count(dest, "quant_runs") +
                                    count(dest, "analysis_projection_metrics");
        const MergeReport second = mergeStore(dest, cellPath, "sweep-cell-0-a");
        QCOMPARE(second.total(), std::int64_t(0));
        QVERIFY(second.alreadyMerged >= 5);
        QCOMPARE(count(dest, "eval_results") + count(dest, "quant_runs") +
                     count(dest, "analysis_projection_metrics"),
                 before);
        // The source is unchanged by merging.
        ExperimentStore src(cellPath, ExperimentStore::Access::ReadOnly);
        QCOMPARE(count(src, "quant_runs"), std::int64_t(2));
        QCOMPARE(src.loadQuantRun(cell.runningRun)->run.status, RunStatus::Running);
    }

    void twoCellsShareModelAndData()
    {
        QTemporaryDir tmp;
        const std::string a = tmp.filePath(QStringLiteral("a.sqlite")).toStdString();
        const std::string b = tmp.filePath(QStringLiteral("b.sqlite")).toStdString();
        CellStore ca(a), cb(b);
        ExperimentStore dest(tmp.filePath(QStringLiteral("user.sqlite")).toStdString());
        mergeStore(dest, a, "cell-a");
        mergeStore(dest, b, "cell-b");
        QCOMPARE(count(dest, "models"), std::int64_t(1));
        QCOMPARE(count(dest, "datasets"), std::int64_t(1));
        QCOMPARE(count(dest, "quant_runs"), std::int64_t(4));
        QCOMPARE(count(dest, "quant_module_losses"), std::int64_t(4));
        QVERIFY(*mergedRowId(dest, "cell-a", "quant_runs", ca.quantRun) !=
                *mergedRowId(dest, "cell-b", "quant_runs", cb.quantRun));
    }

    void badSourcesLeaveDestinationAlone()
    {
        QTemporaryDir tmp;
        ExperimentStore dest(tmp.filePath(QStringLiteral("user.sqlite")).toStdString());
        dest.upsertModel(model("x", "/x"));
        const std::string junk = tmp.filePath(QStringLiteral("junk.sqlite")).toStdString();
        std::ofstream(junk) << "this is not a database, just text that is long enough to matter";
        QVERIFY_THROWS_EXCEPTION(lieq::Error, mergeStore(dest, junk, "j"));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, mergeStore(dest, tmp.filePath(QStringLiteral("none")).toStdString(), "n"));
        const std::string cellPath = tmp.filePath(QStringLiteral("cell.sqlite")).toStdString();
        CellStore cell(cellPath);
        QVERIFY_THROWS_EXCEPTION(lieq::Error, mergeStore(dest, cellPath, ""));
        {   // a store from a newer build
            Database db(cellPath);
            db.setUserVersion(latestSchemaVersion() + 1);
        }
        try {
            mergeStore(dest, cellPath, "newer");
            QFAIL("no error");
        } catch (const lieq::Error &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("newer")), e.what());
        }
        QCOMPARE(count(dest, "models"), std::int64_t(1));
        QCOMPARE(count(dest, "quant_runs"), std::int64_t(0));
        QCOMPARE(count(dest, "merged_rows"), std::int64_t(0));
    }

    void sweepRecords()
    {
        QTemporaryDir tmp;
        const std::string cellPath = tmp.filePath(QStringLiteral("cell.sqlite")).toStdString();
        const CellStore cell(cellPath);
        ExperimentStore dest(tmp.filePath(QStringLiteral("user.sqlite")).toStdString());
        mergeStore(dest, cellPath, "att");
        const std::int64_t run = *mergedRowId(dest, "att", "quant_runs", cell.quantRun);
        SweepRecord s;
        s.uid = "u1";
        s.name = "budgets";
        s.folder = "/sweeps/budgets";
        s.specJson = R"({"b": 1, "a": 2})";
        const std::int64_t id = upsertSweep(dest, s);
        s.name = "budgets v2";
        QCOMPARE(upsertSweep(dest, s), id); // same uid: updated, not added
        QCOMPARE(int(listSweeps(dest).size()), 1);
        QCOMPARE(sweepByUid(dest, "u1")->name, std::string("budgets v2"));
        QCOMPARE(sweepByUid(dest, "u1")->specJson, std::string(R"({"a":2,"b":1})"));
        SweepCellRecord c0{id, 0, "demo rtn dr", R"({"plan":"dr"})", "done", run, "", 12.5};
        SweepCellRecord c1{id, 1, "bad rtn dr", "{}", "failed", std::nullopt, "no config.json", kNoValue};
        upsertSweepCells(dest, {c0, c1});
        upsertSweepCells(dest, {c0, c1}); // replaced, not duplicated
        const auto cells = sweepCells(dest, id);
        QCOMPARE(int(cells.size()), 2);
        QCOMPARE(cells[0].quantRunId, std::optional<std::int64_t>(run));
        QCOMPARE(cells[1].errorText, std::string("no config.json"));
        QVERIFY(std::isnan(cells[1].wallSeconds));
        const auto members = sweepMemberships(dest);
        QCOMPARE(int(members.size()), 1);
        QCOMPARE(members.at(run).sweepName, std::string("budgets v2"));
        QCOMPARE(members.at(run).cellIndex, 0);
        // Bad status text is refused by the schema.
        SweepCellRecord bad = c1;
        bad.status = "exploded";
        QVERIFY_THROWS_EXCEPTION(lieq::Error, upsertSweepCells(dest, {bad}));
        // Deleting the sweep keeps the runs; deleting a run unlinks its cell.
        QVERIFY(dest.deleteQuantRun(run));
        QVERIFY(!sweepCells(dest, id)[0].quantRunId.has_value());
        QVERIFY(deleteSweep(dest, id));
        QCOMPARE(count(dest, "sweep_cells"), std::int64_t(0));
        QVERIFY(count(dest, "quant_runs") > 0);
        ExperimentStore ro(dest.path(), ExperimentStore::Access::ReadOnly);
        QVERIFY_THROWS_EXCEPTION(lieq::Error, upsertSweep(ro, s));
    }
};

QTEST_GUILESS_MAIN(TestStoreMerge)
#include "tst_storemerge.moc"
