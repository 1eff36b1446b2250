// The Slurm executor against a real one-node Slurm cluster the test starts itself (munged,
// slurmctld and slurmd from Debian's munge and slurm-wlm packages, in a temporary folder): one
// sbatch job array for a 2 x 2 grid on the demo model and a missing model, one task cancelled
// with scancel while it runs; `lieq sweep status` reports the cancelled and the bad cells failed
// and the rest done; collect gathers the grid into the user's store, and again adds nothing.
// Skipped with the reason where the packages (or root, which slurmd needs) are absent.
#include "core/store/experiment_store.h"
#include "core/store/sweep_records.h"
#include "tests/sweep/slurm_cluster.h"
#include "tests/sweep/sweep_fixture.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using lieq::test::parseJson;

class TestSweepSlurm : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    lieq::test::SweepFixture m_f;
    std::unique_ptr<lieq::test::SlurmCluster> m_cluster;

    QString stateOf(const QJsonObject &status, int cell)
    {
        return status.value(QStringLiteral("cells")).toArray()[cell].toObject()
            .value(QStringLiteral("state")).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString why = lieq::test::SlurmCluster::unavailableReason();
        if (!why.isEmpty())
            QSKIP(qPrintable(why));
        m_f.samples = 16; // the dPPL cell then runs for seconds: time to cancel it while it runs
        if (!m_f.prepare(m_tmp.path(), {QStringLiteral("uniform-2"), QStringLiteral("dppl")}))
            QSKIP("resources/demo-model is absent: test skipped");
        m_cluster = std::make_unique<lieq::test::SlurmCluster>();
        QVERIFY2(m_cluster->start(2), qPrintable(m_cluster->error()));
    }

    void arrayWithCancelledTask()
    {
        const auto sub = m_f.lieq({QStringLiteral("sweep"), m_f.spec, QStringLiteral("--slurm"),
                                   QStringLiteral("--partition"), QStringLiteral("debug"),
                                   QStringLiteral("--time"), QStringLiteral("00:10:00"),
                                   QStringLiteral("--json")});
        QVERIFY2(sub.exitCode == 0, sub.err.constData());
        const QJsonObject j = parseJson(sub.out);
        const QString job = j.value(QStringLiteral("job_id")).toString();
        QVERIFY2(!job.isEmpty(), sub.out.constData());
        QCOMPARE(j.value(QStringLiteral("array")).toString(), QStringLiteral("0-3"));
        QVERIFY(QFile::exists(j.value(QStringLiteral("script")).toString()));

        // Cancel the dPPL cell's task while it runs (its analysis takes seconds).
        const QDeadlineTimer started(120000);
        bool running = false;
        while (!started.hasExpired() && !running) {
            running = m_f.cellStatus(1).value(QStringLiteral("state")).toString() == QStringLiteral("running");
            if (!running)
                QThread::msleep(50);
        }
        QVERIFY2(running, qPrintable(QStringLiteral("cell 1 never started\n") + m_cluster->logTail()));
        QProcess scancel;
        scancel.start(QStringLiteral("scancel"), {job + QStringLiteral("_1")});
        QVERIFY(scancel.waitForFinished(30000));
        QCOMPARE(scancel.exitCode(), 0);

        // Wait until nothing is queued or running.
        QJsonObject st;
        const QDeadlineTimer finished(240000);
        while (!finished.hasExpired()) {
            st = m_f.status();
            const auto counts = st.value(QStringLiteral("counts")).toObject();
            if (counts.value(QStringLiteral("running")).toInt() == 0 &&
                counts.value(QStringLiteral("queued")).toInt() == 0 &&
                counts.value(QStringLiteral("pending")).toInt() == 0)
                break;
            QThread::msleep(500);
        }
        QVERIFY2(st.value(QStringLiteral("slurm")).toBool(), "status did not see the submission");
        QCOMPARE(stateOf(st, 0), QStringLiteral("done"));
        QCOMPARE(stateOf(st, 1), QStringLiteral("failed"));
        const QString why = st.value(QStringLiteral("cells")).toArray()[1].toObject()
                                .value(QStringLiteral("detail")).toString();
        QVERIFY2(why.contains(QStringLiteral("SIGTERM")) || why.contains(QStringLiteral("CANCELLED")),
                 qPrintable(why));
        QCOMPARE(stateOf(st, 2), QStringLiteral("failed"));
        QCOMPARE(stateOf(st, 3), QStringLiteral("failed"));
        QCOMPARE(m_f.cellStatus(0).value(QStringLiteral("slurm_job")).toString(), job + QStringLiteral("_0"));
    }

    void collectGathersOnce()
    {
        const auto first = m_f.lieq({QStringLiteral("sweep"), QStringLiteral("collect"), m_f.sweepDir,
                                     QStringLiteral("--json"), QStringLiteral("--quiet")});
        QVERIFY2(first.exitCode == 0, first.err.constData());
        QVERIFY(parseJson(first.out).value(QStringLiteral("rows_added")).toInt() > 0);
        const auto second = m_f.lieq({QStringLiteral("sweep"), QStringLiteral("collect"), m_f.sweepDir,
                                      QStringLiteral("--json"), QStringLiteral("--quiet")});
        QCOMPARE(parseJson(second.out).value(QStringLiteral("rows_added")).toInt(), 0);
        lieq::store::ExperimentStore s(m_f.store.toStdString());
        const auto sweeps = lieq::store::listSweeps(s);
        QCOMPARE(int(sweeps.size()), 1);
        const auto cells = lieq::store::sweepCells(s, sweeps[0].id);
        QCOMPARE(int(cells.size()), 4);
        QVERIFY(cells[0].quantRunId.has_value());
        QCOMPARE(cells[1].status, std::string("failed"));

        // The results table over the grid, as CSV.
        const QString csv = m_tmp.filePath(QStringLiteral("slurm.csv"));
        const auto res = m_f.lieq({QStringLiteral("sweep"), QStringLiteral("results"), m_f.sweepDir,
                                   QStringLiteral("--csv"), csv});
        QVERIFY2(res.exitCode == 0, res.err.constData());
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll().count('\n'), 5);
    }

    void cleanupTestCase() { m_cluster.reset(); }
};

QTEST_GUILESS_MAIN(TestSweepSlurm)
#include "tst_sweepslurm.moc"
