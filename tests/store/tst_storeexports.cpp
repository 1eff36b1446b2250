// ExperimentStore exports (schema v3): where GGUF, checkpoints, reports and bundles went, per run
// or model; filters, newest first, cascades with their run, refusals, and migration from v2.
#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/schema.h"
#include "core/store/statement.h"
#include "core/util/error.h"

#include <QTemporaryDir>
#include <QTest>

using namespace lieq;
using namespace lieq::store;

namespace {

struct Fixture
{
    QTemporaryDir dir;
    std::string path = dir.filePath(QStringLiteral("s.sqlite")).toStdString();
    std::int64_t model = 0, analysis = 0, quant = 0;

    void fill(ExperimentStore &s)
    {
        ModelRecord m;
        m.path = "/m";
        m.name = "m";
        m.fingerprint = "fp";
        model = s.upsertModel(m);
        DatasetRecord d;
        d.path = "/d";
        d.kind = "text";
        d.contentHash = "h";
        const auto ds = s.upsertDataset(d);
        analysis = s.beginAnalysisRun({model, ds, "cpu", "{}", std::nullopt});
        s.finishAnalysisRun(analysis, RunOutcome(RunStatus::Done));
        Plan p;
        p.modelId = model;
        p.method = "paper";
        p.budgetBits = 2.25;
        const auto plan = s.addPlan(p);
        QuantRunSpec q;
        q.planId = plan;
        q.method = "rtn";
        quant = s.beginQuantRun(q);
        s.finishQuantRun(quant, RunOutcome(RunStatus::Done));
    }
};

ExportRecord record(const std::string &kind, const std::string &path)
{
    ExportRecord r;
    r.kind = kind;
    r.path = path;
    r.bytes = 123;
    r.settingsJson = R"({"b": 1, "a": 2})";
    r.summaryJson = R"({"exact": 3})";
    return r;
}

} // namespace

class TestStoreExports : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void filters_data()
    {
        QTest::addColumn<QString>("by");
        QTest::addColumn<int>("expected");
        QTest::newRow("all") << "all" << 4;
        QTest::newRow("quant run") << "quant" << 2;
        QTest::newRow("analysis run") << "analysis" << 1;
        QTest::newRow("model") << "model" << 1;
        QTest::newRow("kind gguf") << "gguf" << 1;
        QTest::newRow("limit 3") << "limit" << 3;
    }
    void filters()
    {
        QFETCH(QString, by);
        QFETCH(int, expected);
        Fixture f;
        ExperimentStore s(f.path);
        f.fill(s);
        auto a = record("gguf", "/out/a.gguf");
        a.quantRunId = f.quant;
        a.createdAtMs = 1000;
        auto b = record("report-pdf", "/out/r.pdf");
        b.quantRunId = f.quant;
        b.createdAtMs = 2000;
        auto c = record("report-pdf", "/out/r.pdf");
        c.analysisRunId = f.analysis;
        auto d = record("gguf-f16", "/out/m.gguf");
        d.modelId = f.model;
        for (const auto &r : {a, b, c, d})
            QVERIFY(s.addExport(r) > 0);
        ExportFilter filter;
        if (by == QLatin1String("quant"))
            filter.quantRunId = f.quant;
        else if (by == QLatin1String("analysis"))
            filter.analysisRunId = f.analysis;
        else if (by == QLatin1String("model"))
            filter.modelId = f.model;
        else if (by == QLatin1String("gguf"))
            filter.kind = "gguf";
        else if (by == QLatin1String("limit"))
            filter.limit = 3;
        const auto rows = s.exports(filter);
        QCOMPARE(int(rows.size()), expected);
        if (by == QLatin1String("quant")) {
            QCOMPARE(rows[0].path, std::string("/out/r.pdf")); // newest first
            QCOMPARE(rows[1].kind, std::string("gguf"));
            QCOMPARE(rows[1].settingsJson, std::string(R"({"a":2,"b":1})")); // canonical
            QCOMPARE(rows[1].summaryJson, std::string(R"({"exact":3})"));
            QCOMPARE(rows[1].bytes, std::int64_t(123));
            QCOMPARE(rows[1].createdAtMs, std::int64_t(1000));
        }
    }

    void cascadesWithTheRun()
    {
        Fixture f;
        ExperimentStore s(f.path);
        f.fill(s);
        auto a = record("gguf", "/out/a.gguf");
        a.quantRunId = f.quant;
        s.addExport(a);
        QCOMPARE(s.exports().size(), std::size_t(1));
        QVERIFY(s.deleteQuantRun(f.quant));
        QCOMPARE(s.exports().size(), std::size_t(0));
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("what");
        QTest::newRow("no owner") << "owner";
        QTest::newRow("no kind") << "kind";
        QTest::newRow("no path") << "path";
        QTest::newRow("bad json") << "json";
    }
    void refusals()
    {
        QFETCH(QString, what);
        Fixture f;
        ExperimentStore s(f.path);
        f.fill(s);
        auto r = record("gguf", "/x.gguf");
        r.quantRunId = f.quant;
        if (what == QLatin1String("owner"))
            r.quantRunId.reset();
        else if (what == QLatin1String("kind"))
            r.kind.clear();
        else if (what == QLatin1String("path"))
            r.path.clear();
        else
            r.summaryJson = "{nope";
        QVERIFY_THROWS_EXCEPTION(lieq::Error, s.addExport(r));
        QCOMPARE(s.exports().size(), std::size_t(0));
    }

    void migratesFromVersion2()
    {
        Fixture f;
        {
            Database db(f.path);
            db.configureForWrites();
            migrate(db, 2);
            QCOMPARE(db.userVersion(), 2);
        }
        ExperimentStore s(f.path); // migrates to the latest
        QVERIFY(s.schemaVersion() >= 3);
        f.fill(s);
        auto r = record("bundle", "/b.zip");
        r.modelId = f.model;
        QVERIFY(s.addExport(r) > 0);
        QVERIFY(s.deleteExport(s.exports().front().id));
        QVERIFY(!s.deleteExport(12345));
    }
};

QTEST_GUILESS_MAIN(TestStoreExports)
#include "tst_storeexports.moc"
