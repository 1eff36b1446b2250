// Two processes writing one experiment store at once: this process plays the GUI (its own
// connection, one transaction per layer as the analysis job writes them, run after run)
// while `lieq analyze` and `lieq quantize` processes write the same file. SQLite's WAL, the
// busy timeout and BEGIN IMMEDIATE must serialise them without an error on either side: every
// run of both ends "done" with all its rows, and the file passes integrity_check.
#include "core/store/experiment_store.h"
#include "tests/faults/fault_fixture.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QtTest>

using namespace lieq;

class TestConcurrentStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void guiAndCliWriteTogether();
};

void TestConcurrentStore::guiAndCliWriteTogether()
{
    test::FaultFixture f(4);
    QVERIFY(f.tmp.isValid());
    const QString model = QString::fromStdString(f.model);
    const QString text = QString::fromStdString(f.text);
    const QStringList common{QStringLiteral("--store"), QString::fromStdString(f.store), QStringLiteral("--threads"),
                             QStringLiteral("1"), QStringLiteral("--quiet")};
    const std::vector<QStringList> cli{
        QStringList{QStringLiteral("analyze"), model, QStringLiteral("--data"), text, QStringLiteral("--samples"),
                    QStringLiteral("4"), QStringLiteral("--seqlen"), QStringLiteral("16"), QStringLiteral("--no-reuse")} + common,
        QStringList{QStringLiteral("quantize"), model, QStringLiteral("--bits"), QStringLiteral("4"),
                    QStringLiteral("--method"), QStringLiteral("rtn"), QStringLiteral("--calib"), text,
                    QStringLiteral("--samples"), QStringLiteral("4"), QStringLiteral("--seqlen"), QStringLiteral("16")} + common,
    };
    // The CLI side: processes one after another for as long as the GUI side writes.
    int cliRuns = 0, cliFailures = 0;
    QString cliErrors;
    QProcess p;
    auto next = [&] {
        p.start(test::cliPath(), cli[std::size_t(cliRuns % 2)]);
    };
    QObject::connect(&p, &QProcess::finished, &p, [&](int code, QProcess::ExitStatus st) {
        ++cliRuns;
        if (code != 0 || st != QProcess::NormalExit) {
            ++cliFailures;
            cliErrors += QString::fromUtf8(p.readAllStandardError());
        }
    });
    next();

    // The GUI side: its own connection, writing as the analysis job does.
    store::ExperimentStore s(f.store);
    store::ModelRecord m;
    m.path = "/models/gui";
    m.name = "gui";
    m.fingerprint = "gui-fingerprint";
    m.layerCount = 8;
    const std::int64_t modelId = s.upsertModel(m);
    store::DatasetRecord d;
    d.path = "/data/gui.txt";
    d.kind = "text";
    d.contentHash = std::string(64, 'a');
    const std::int64_t datasetId = s.upsertDataset(d);
    // At least 200 runs, and for as long as it takes the CLI side to finish 4 processes.
    constexpr int kMinGuiRuns = 200, kCliRuns = 4;
    std::vector<std::int64_t> guiIds;
    QElapsedTimer clock;
    clock.start();
    for (int r = 0; r < kMinGuiRuns || cliRuns < kCliRuns; ++r) {
        QVERIFY2(clock.elapsed() < 600000, "the CLI side did not finish 4 runs in 10 minutes");
        store::AnalysisRunSpec spec;
        spec.modelId = modelId;
        spec.datasetId = datasetId;
        spec.settingsJson = "{\"run\": " + std::to_string(r) + "}";
        const std::int64_t id = s.beginAnalysisRun(spec);
        for (int layer = 0; layer < 8; ++layer)
            s.appendLayerMetrics(id, {{layer, "dr", 0.01 * r + layer}, {layer, "dppl", 1.0 + layer}});
        s.finishAnalysisRun(id, store::RunOutcome(store::RunStatus::Done));
        guiIds.push_back(id);
        QCoreApplication::processEvents(); // lets the CLI side start its next process
        if (p.state() == QProcess::NotRunning && cliRuns < kCliRuns)
            next();
    }
    const int guiRuns = int(guiIds.size());
    QVERIFY(p.waitForFinished(300000) || p.state() == QProcess::NotRunning);
    QCoreApplication::processEvents();
    QVERIFY2(cliFailures == 0, qPrintable(cliErrors));
    QCOMPARE(cliRuns, kCliRuns);

    // Nothing lost on either side.
    for (std::int64_t id : guiIds) {
        const auto detail = s.loadAnalysisRun(id);
        QVERIFY(detail.has_value());
        QCOMPARE(detail->run.status, store::RunStatus::Done);
        QCOMPARE(detail->layers.size(), std::size_t(16));
    }
    const QStringList done = test::finishedRuns(f.store);
    QCOMPARE(done.filter(QRegularExpression(QStringLiteral("^a"))).size(), guiRuns + (cliRuns + 1) / 2);
    QCOMPARE(done.filter(QRegularExpression(QStringLiteral("^q"))).size(), cliRuns / 2);
    QCOMPARE(test::runningRuns(f.store), 0);
    const std::string problems = test::storeProblems(f.store);
    QVERIFY2(problems.empty(), problems.c_str());
    qInfo("%d GUI-side runs and %d CLI runs written concurrently", guiRuns, cliRuns);
}

QTEST_GUILESS_MAIN(TestConcurrentStore)
#include "tst_concurrentstore.moc"
