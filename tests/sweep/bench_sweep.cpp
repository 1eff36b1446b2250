// Cells per hour for one grid run locally (one worker process at a time) and through a real
// one-node Slurm (an array throttled to one task at a time), and the scheduler's overhead per
// cell: the sweep's wall time minus the sum of its cells' own wall times, over the cells.
// Both runs use the same grid on the demo model (4 cells: uniform-2 and dr x RTN and GPTQ, times
// LIEQ_BENCH_SWEEP_SEEDS calibration seeds; 8 calibration windows of 128 tokens, perplexity and
// KL on 4 windows).
// Prints /proc/loadavg before and after each run: the machine is shared.
#include "tests/sweep/slurm_cluster.h"
#include "tests/sweep/sweep_fixture.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <cstdio>

using lieq::test::parseJson;

namespace {

QString loadavg()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()).trimmed() : QStringLiteral("?");
}

struct Timing
{
    double wall = 0;        // seconds, submit/start to the last cell's end
    double cells = 0;       // sum of the cells' own wall times
    double firstStart = 0;  // seconds from submit/start to the first cell's start
    int n = 0;
    int done = 0;
};

Timing cellTimes(const lieq::test::SweepFixture &f, int n, qint64 t0Ms, double wall)
{
    Timing t;
    t.wall = wall;
    t.n = n;
    qint64 first = -1;
    for (int i = 0; i < n; ++i) {
        const QJsonObject s = f.cellStatus(i);
        t.cells += s.value(QStringLiteral("wall_s")).toDouble();
        t.done += s.value(QStringLiteral("state")).toString() == QStringLiteral("done");
        const qint64 started = s.value(QStringLiteral("started_ms")).toInteger();
        if (first < 0 || started < first)
            first = started;
    }
    t.firstStart = double(first - t0Ms) / 1000.0;
    return t;
}

void report(const char *what, const Timing &t)
{
    std::printf("%-6s %d cells (%d done): wall %.1f s, cells' own time %.1f s, %.1f cells/hour, "
                "overhead %.2f s per cell, first cell started %.2f s after start\n",
                what, t.n, t.done, t.wall, t.cells, t.n / t.wall * 3600.0, (t.wall - t.cells) / t.n,
                t.firstStart);
}

} // namespace

class BenchSweep : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void localAndSlurm()
    {
        QTemporaryDir tmpLocal, tmpSlurm;
        lieq::test::SweepFixture local, slurm;
        const QStringList plans{QStringLiteral("uniform-2"), QStringLiteral("dr")};
        // LIEQ_BENCH_SWEEP_SEEDS=n repeats the grid over n calibration seeds (4 n cells): more
        // cells average the per-cell overhead over more starts.
        const int nSeeds = std::max(1, qEnvironmentVariableIntValue("LIEQ_BENCH_SWEEP_SEEDS"));
        QList<int> seeds;
        for (int i = 0; i < nSeeds; ++i)
            seeds << i;
        if (!local.prepare(tmpLocal.path(), plans, seeds) || !slurm.prepare(tmpSlurm.path(), plans, seeds))
            QSKIP("resources/demo-model is absent: benchmark skipped");
        for (auto *f : {&local, &slurm}) { // the demo model only, RTN and GPTQ
            QFile spec(f->spec);
            QVERIFY(spec.open(QIODevice::ReadOnly));
            QJsonObject j = parseJson(spec.readAll());
            spec.close();
            j[QStringLiteral("models")] = QJsonArray{f->demoModel};
            j[QStringLiteral("backends")] = QJsonArray{QStringLiteral("rtn"), QStringLiteral("gptq")};
            QVERIFY(spec.open(QIODevice::WriteOnly));
            spec.write(QJsonDocument(j).toJson());
        }
        const int cells = 4 * nSeeds;

        std::printf("load before local: %s\n", qPrintable(loadavg()));
        QElapsedTimer clock;
        clock.start();
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        const auto r = local.lieq({QStringLiteral("sweep"), local.spec, QStringLiteral("--workers"),
                                   QStringLiteral("1"), QStringLiteral("--no-collect"), QStringLiteral("--quiet")},
                                  1800000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const Timing localTiming = cellTimes(local, cells, t0, clock.elapsed() / 1000.0);
        report("local", localTiming);
        std::printf("load after local: %s\n", qPrintable(loadavg()));

        const QString why = lieq::test::SlurmCluster::unavailableReason();
        if (!why.isEmpty())
            QSKIP(qPrintable(QStringLiteral("Slurm half skipped: ") + why));
        lieq::test::SlurmCluster cluster;
        QVERIFY2(cluster.start(2), qPrintable(cluster.error()));
        std::printf("load before slurm: %s\n", qPrintable(loadavg()));
        clock.restart();
        const qint64 s0 = QDateTime::currentMSecsSinceEpoch();
        const auto sub = slurm.lieq({QStringLiteral("sweep"), slurm.spec, QStringLiteral("--slurm"),
                                     QStringLiteral("--max-parallel"), QStringLiteral("1")});
        QVERIFY2(sub.exitCode == 0, sub.err.constData());
        const QDeadlineTimer deadline(1800000);
        int finished = 0;
        while (!deadline.hasExpired() && finished < cells) {
            finished = 0;
            for (int i = 0; i < cells; ++i) {
                const QString state = slurm.cellStatus(i).value(QStringLiteral("state")).toString();
                finished += state == QStringLiteral("done") || state == QStringLiteral("failed");
            }
            if (finished < cells)
                QThread::msleep(100);
        }
        QCOMPARE(finished, cells);
        const Timing slurmTiming = cellTimes(slurm, cells, s0, clock.elapsed() / 1000.0);
        report("slurm", slurmTiming);
        std::printf("load after slurm: %s\n", qPrintable(loadavg()));
        // What the scheduler adds: wall per cell through Slurm minus wall per cell locally (the
        // cells' own work differs a little between the runs: the machine is shared).
        std::printf("slurm - local: %+.2f s wall per cell (%.2f vs %.2f); cells' own time per cell "
                    "%.2f vs %.2f s\n",
                    slurmTiming.wall / cells - localTiming.wall / cells, slurmTiming.wall / cells,
                    localTiming.wall / cells, slurmTiming.cells / cells, localTiming.cells / cells);
    }
};

QTEST_GUILESS_MAIN(BenchSweep)
#include "bench_sweep.moc"
