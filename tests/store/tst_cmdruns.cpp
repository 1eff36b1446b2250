// `lieq runs list|show|delete` against a store filled through the API.
#include "core/store/experiment_store.h"
#include "tests/support/cli_runner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace lieq::store;

namespace {

using lieq::test::CliResult;

CliResult runLieq(const QStringList &args, const QByteArray &storeEnv = {})
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!storeEnv.isEmpty())
        env.insert(QStringLiteral("LIEQ_STORE"), QString::fromUtf8(storeEnv));
    return lieq::test::runCli(QStringLiteral(LIEQ_CLI_PATH), args, env, 60000);
}

} // namespace

class TestCmdRuns : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_store;
    std::int64_t m_done = 0, m_failed = 0, m_quant = 0;

private Q_SLOTS:
    void initTestCase()
    {
        m_store = m_dir.filePath(QStringLiteral("runs.sqlite"));
        ExperimentStore s(m_store.toStdString());
        ModelRecord m;
        m.path = "/models/stories260K";
        m.name = "stories260K";
        m.fingerprint = "f00d";
        m.layerCount = 2;
        const auto model = s.upsertModel(m);
        DatasetRecord d;
        d.path = "/data/wiki.txt";
        d.kind = "text";
        d.contentHash = "beef";
        const auto data = s.upsertDataset(d);
        m_done = s.beginAnalysisRun({model, data, "cpu", R"({"seqlen":64})", 5});
        s.appendLayerMetrics(m_done, {{0, "dppl", 1.5}, {0, "dr", 0.25}},
                             {{0, "q", "dr", std::nullopt, 0.3}});
        s.appendLayerMetrics(m_done, {{1, "dppl", 0.5}, {1, "dr", kNoValue}});
        s.finishAnalysisRun(m_done, {RunStatus::Done, "", R"({"dppl":1.0})", 1.25});
        m_failed = s.beginAnalysisRun({model, data, "cpu", "{}", {}});
        s.finishAnalysisRun(m_failed, {RunStatus::Failed, "out of memory"});
        Plan plan;
        plan.modelId = model;
        plan.method = "lieq-topk";
        plan.budgetBits = 3;
        plan.bitsJson = "[4,2]";
        m_quant = s.beginQuantRun({s.addPlan(plan), data, "rtn", "{}", {}});
        s.appendModuleLosses(m_quant, {{0, "q_proj", 4, 0.125, 0.1}});
        s.finishQuantRun(m_quant, {RunStatus::Done}, "/out/q.safetensors", 100);
    }

    void listJsonShowsAllRuns()
    {
        const auto r = runLieq({QStringLiteral("runs"), QStringLiteral("list"), QStringLiteral("--store"),
                             m_store, QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value(QStringLiteral("total")).toInt(), 3);
        QStringList ids;
        for (const auto &v : o.value(QStringLiteral("runs")).toArray())
            ids << v.toObject().value(QStringLiteral("id")).toString();
        ids.sort();
        QCOMPARE(ids, (QStringList{QString::number(m_done), QString::number(m_failed),
                                   QStringLiteral("q") + QString::number(m_quant)}));
    }

    void listFilters_data()
    {
        QTest::addColumn<QStringList>("filter");
        QTest::addColumn<int>("total");
        QTest::newRow("status failed") << QStringList{QStringLiteral("--status"), QStringLiteral("failed")} << 1;
        QTest::newRow("kind quant") << QStringList{QStringLiteral("--kind"), QStringLiteral("quant")} << 1;
        QTest::newRow("model match") << QStringList{QStringLiteral("--model"), QStringLiteral("stories")} << 3;
        QTest::newRow("model miss") << QStringList{QStringLiteral("--model"), QStringLiteral("qwen")} << 0;
        QTest::newRow("backend rtn") << QStringList{QStringLiteral("--backend"), QStringLiteral("rtn")} << 1;
    }

    void listFilters()
    {
        QFETCH(QStringList, filter);
        QFETCH(int, total);
        // The store comes from $LIEQ_STORE here.
        const auto r = runLieq(QStringList{QStringLiteral("runs"), QStringLiteral("list"), QStringLiteral("--json")} + filter,
                            m_store.toUtf8());
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("total")).toInt(), total);
    }

    void listTableNamesStatusAndError()
    {
        const auto r = runLieq({QStringLiteral("runs"), QStringLiteral("list"), QStringLiteral("--store"), m_store});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("failed") && r.out.contains("out of memory"), r.out.constData());
        QVERIFY2(r.out.contains("3 of 3 run(s)"), r.out.constData());
    }

    void showJsonHasLayers()
    {
        const auto r = runLieq({QStringLiteral("runs"), QStringLiteral("show"), QString::number(m_done),
                             QStringLiteral("--store"), m_store, QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value(QStringLiteral("status")).toString(), QStringLiteral("done"));
        const QJsonArray layers = o.value(QStringLiteral("layers")).toArray();
        QCOMPARE(layers.size(), 2);
        QCOMPARE(layers[0].toObject().value(QStringLiteral("dppl")).toDouble(), 1.5);
        QVERIFY(layers[1].toObject().value(QStringLiteral("dr")).isNull()); // NaN -> null
        QCOMPARE(o.value(QStringLiteral("projections")).toArray().size(), 1);
        QCOMPARE(o.value(QStringLiteral("settings")).toObject().value(QStringLiteral("seqlen")).toInt(), 64);
        const auto text = runLieq({QStringLiteral("runs"), QStringLiteral("show"), QString::number(m_done),
                                QStringLiteral("--store"), m_store});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("dppl") && text.out.contains("1.5"), text.out.constData());
        const auto quant = runLieq({QStringLiteral("runs"), QStringLiteral("show"), QStringLiteral("q") + QString::number(m_quant),
                                 QStringLiteral("--store"), m_store, QStringLiteral("--json")});
        QCOMPARE(quant.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(quant.out).object().value(QStringLiteral("module_losses")).toArray().size(), 1);
    }

    void badIdsFailClearly_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("missing") << QStringLiteral("999") << QByteArray("no analysis run 999");
        QTest::newRow("not a number") << QStringLiteral("abc") << QByteArray("is not a run id");
        QTest::newRow("missing quant") << QStringLiteral("q77") << QByteArray("no quantization run q77");
    }

    void badIdsFailClearly()
    {
        QFETCH(QString, id);
        QFETCH(QByteArray, message);
        const auto r = runLieq({QStringLiteral("runs"), QStringLiteral("show"), id, QStringLiteral("--store"), m_store});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(message), r.err.constData());
    }

    void deleteRemovesRun()
    {
        const auto r = runLieq({QStringLiteral("runs"), QStringLiteral("delete"), QString::number(m_failed),
                             QStringLiteral("--store"), m_store});
        QCOMPARE(r.exitCode, 0);
        ExperimentStore s(m_store.toStdString());
        QVERIFY(!s.analysisRun(m_failed));
        QVERIFY(s.analysisRun(m_done));
        QCOMPARE(s.listRuns().total, std::int64_t(2));
        const auto again = runLieq({QStringLiteral("runs"), QStringLiteral("delete"), QString::number(m_failed),
                                 QStringLiteral("--store"), m_store});
        QCOMPARE(again.exitCode, 1);
    }

    void corruptStoreIsReportedNotTouched()
    {
        const QString bad = m_dir.filePath(QStringLiteral("bad.sqlite"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("definitely not sqlite");
        f.close();
        const auto r = runLieq({QStringLiteral("runs"), QStringLiteral("list"), QStringLiteral("--store"), bad});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(bad.toUtf8()) && r.err.contains("not a database"), r.err.constData());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("definitely not sqlite"));
    }
};

QTEST_GUILESS_MAIN(TestCmdRuns)
#include "tst_cmdruns.moc"
