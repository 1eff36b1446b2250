// ExperimentStore KL statistics (schema v5): rows for a quantization run take its plan's model,
// filters by run and model, newest first, canonical JSON, cascade with the run, refusals
// (unknown run, missing models, malformed JSON, read-only store), and migration from v4.
#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/schema.h"
#include "core/util/error.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace lieq;
using namespace lieq::store;

namespace {

struct Fixture
{
    QTemporaryDir dir;
    std::string path = dir.filePath(QStringLiteral("s.sqlite")).toStdString();
    std::int64_t fp = 0, other = 0, quantA = 0, quantB = 0;

    std::int64_t model(ExperimentStore &s, const std::string &name)
    {
        ModelRecord m;
        m.path = "/" + name;
        m.name = name;
        m.fingerprint = "fp-" + name;
        return s.upsertModel(m);
    }

    void fill(ExperimentStore &s)
    {
        fp = model(s, "fp16");
        other = model(s, "other");
        Plan p;
        p.modelId = fp;
        p.method = "paper";
        p.budgetBits = 2.25;
        const auto plan = s.addPlan(p);
        for (std::int64_t *q : {&quantA, &quantB}) {
            QuantRunSpec spec;
            spec.planId = plan;
            spec.method = "gptq";
            *q = s.beginQuantRun(spec);
            s.finishQuantRun(*q, RunOutcome(RunStatus::Done));
        }
    }
};

KlStatsRecord row(std::optional<std::int64_t> run, std::int64_t reference, double kl)
{
    KlStatsRecord r;
    r.quantRunId = run;
    r.referenceModelId = reference;
    r.windows = 4;
    r.seqlen = 128;
    r.positions = 4 * 127;
    r.klMean = kl;
    r.klStderr = kl / 10;
    r.top1 = 0.9;
    r.pplRatio = 1.01;
    r.statsJson = R"({"schema": "lieq.klstats", "b": 1, "a": 2})";
    return r;
}

} // namespace

class TestStoreKl : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void addAndFilter()
    {
        Fixture f;
        ExperimentStore s(f.path);
        QCOMPARE(s.schemaVersion(), latestSchemaVersion());
        QVERIFY(latestSchemaVersion() >= 5);
        f.fill(s);
        KlStatsRecord a = row(f.quantA, f.fp, 0.05);
        a.modelId = f.other; // ignored: the run's plan names the model
        const std::int64_t ida = s.addKlStats(a);
        const std::int64_t idb = s.addKlStats(row(f.quantB, f.fp, 0.02));
        KlStatsRecord folder = row(std::nullopt, f.fp, 0.5);
        folder.modelId = f.other; // a folder compared with the FP16 model, no run
        s.addKlStats(folder);

        const auto all = s.klStats();
        QCOMPARE(int(all.size()), 3);
        QCOMPARE(all[1].id, idb); // newest first
        const auto ofA = s.klStats({std::nullopt, f.quantA});
        QCOMPARE(int(ofA.size()), 1);
        QCOMPARE(ofA[0].id, ida);
        QCOMPARE(ofA[0].modelId, f.fp);
        QCOMPARE(ofA[0].klMean, 0.05);
        QCOMPARE(ofA[0].klStderr, 0.005);
        QCOMPARE(ofA[0].positions, std::int64_t(4 * 127));
        QVERIFY(std::isnan(ofA[0].klMax)); // absent stays absent
        QCOMPARE(ofA[0].statsJson, std::string(R"({"a":2,"b":1,"schema":"lieq.klstats"})"));
        QCOMPARE(int(s.klStats({f.other, std::nullopt}).size()), 1);
        QCOMPARE(int(s.klStats({f.fp, std::nullopt}).size()), 2);
    }

    void cascadeAndDelete()
    {
        Fixture f;
        ExperimentStore s(f.path);
        f.fill(s);
        s.addKlStats(row(f.quantA, f.fp, 0.05));
        const std::int64_t keep = s.addKlStats(row(f.quantB, f.fp, 0.02));
        QVERIFY(s.deleteQuantRun(f.quantA));
        QCOMPARE(int(s.klStats().size()), 1);
        QVERIFY(s.deleteKlStats(keep));
        QVERIFY(!s.deleteKlStats(keep));
        QVERIFY(s.klStats().empty());
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("what");
        QTest::newRow("unknown run") << QStringLiteral("run");
        QTest::newRow("no reference") << QStringLiteral("reference");
        QTest::newRow("no model") << QStringLiteral("model");
        QTest::newRow("malformed json") << QStringLiteral("json");
    }

    void refusals()
    {
        QFETCH(QString, what);
        Fixture f;
        ExperimentStore s(f.path);
        f.fill(s);
        KlStatsRecord r = row(f.quantA, f.fp, 0.1);
        if (what == QLatin1String("run"))
            r.quantRunId = 9999;
        else if (what == QLatin1String("reference"))
            r.referenceModelId = 0;
        else if (what == QLatin1String("model"))
            r.quantRunId.reset(); // and modelId 0
        else
            r.statsJson = "{";
        try {
            s.addKlStats(r);
            QFAIL("accepted");
        } catch (const Error &e) {
            // The message names the store file (as e.file() or in the text, as canonicalJson's do).
            QVERIFY2(e.file() == f.path || std::string(e.what()).find(f.path) != std::string::npos,
                     e.what());
        }
        QVERIFY(s.klStats().empty());
    }

    void readOnlyRefusesWrites()
    {
        Fixture f;
        {
            ExperimentStore s(f.path);
            f.fill(s);
        }
        ExperimentStore ro(f.path, ExperimentStore::Access::ReadOnly);
        QVERIFY_THROWS_EXCEPTION(Error, ro.addKlStats(row(f.quantA, f.fp, 0.1)));
        QVERIFY(ro.klStats().empty());
    }

    void migratesFromVersion4()
    {
        Fixture f;
        {
            Database db(f.path);
            db.configureForWrites();
            migrate(db, 4);
            QCOMPARE(db.userVersion(), 4);
        }
        ExperimentStore s(f.path);
        QVERIFY(s.schemaVersion() >= 5);
        f.fill(s);
        QVERIFY(s.addKlStats(row(f.quantA, f.fp, 0.1)) > 0);
    }
};

QTEST_GUILESS_MAIN(TestStoreKl)
#include "tst_storekl.moc"
