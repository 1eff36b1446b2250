// The sweep folder (create, reopen, grow, refuse other settings, cell status files, attempts),
// the Slurm script and the parsers of squeue/sacct/scontrol output (captured from Debian 12's
// Slurm 22.05), and the child-process helpers the executors use.
#include "core/sweep/process.h"
#include "core/sweep/slurm_executor.h"
#include "core/sweep/sweep_folder.h"
#include "core/sweep/sweep_status.h"
#include "core/util/error.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace lieq::sweep;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

SweepSpec spec(const json &patch = json::object())
{
    json j{{"name", "study"},
           {"models", {"/m/a", "/m/b"}},
           {"calibration", {{"path", "/d/calib.txt"}, {"samples", 4}, {"seqlen", 64}}},
           {"evaluation", {{"ppl", "/d/eval.txt"}, {"max_windows", 2}}},
           {"plans", {"dr", "uniform-2"}},
           {"backends", {"rtn"}}};
    j.merge_patch(patch);
    return parseSweepSpec(j.dump(), "spec.json", "/");
}

void touch(const std::string &path, const std::string &text = "x")
{
    std::ofstream(path) << text;
}

} // namespace

class TestSweepFolder : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void createReopenGrow()
    {
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath(QStringLiteral("sweep")).toStdString();
        const SweepFolder f = SweepFolder::createOrUpdate(dir, spec());
        QCOMPARE(int(f.cells().size()), 4);
        QCOMPARE(f.addedCells(), 4);
        QCOMPARE(f.uid().size(), std::size_t(32));
        const SweepFolder again = SweepFolder::open(dir);
        QCOMPARE(again.uid(), f.uid());
        QCOMPARE(again.cells().size(), f.cells().size());
        for (std::size_t i = 0; i < f.cells().size(); ++i)
            QCOMPARE(again.cells()[i].key, f.cells()[i].key);

        // A cell's state survives, indices of known cells do not move, new cells are appended.
        CellStatus done;
        done.state = CellState::Done;
        done.wallSeconds = 3.5;
        f.writeStatus(1, done);
        const SweepFolder grown = SweepFolder::createOrUpdate(dir, spec(json{{"seeds", {0, 5}}}));
        QCOMPARE(int(grown.cells().size()), 8);
        QCOMPARE(grown.addedCells(), 4);
        QCOMPARE(grown.uid(), f.uid());
        for (int i = 0; i < 4; ++i)
            QCOMPARE(grown.cell(i).key, f.cell(i).key);
        QCOMPARE(grown.readStatus(1).state, CellState::Done);
        QCOMPARE(grown.readStatus(1).wallSeconds, 3.5);
        QCOMPARE(grown.readStatus(5).state, CellState::Pending);
        // The same spec again adds nothing.
        QCOMPARE(SweepFolder::createOrUpdate(dir, spec(json{{"seeds", {0, 5}}})).addedCells(), 0);

        // Other shared settings would make finished cells incomparable: refused, untouched.
        try {
            SweepFolder::createOrUpdate(dir, spec(json{{"evaluation", {{"max_windows", 9}}}}));
            QFAIL("no error");
        } catch (const lieq::Error &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("other evaluation")), e.what());
        }
        QCOMPARE(int(SweepFolder::open(dir).cells().size()), 8);
        QVERIFY_THROWS_EXCEPTION(lieq::Error, grown.cell(8));
        QVERIFY_THROWS_EXCEPTION(lieq::Error, SweepFolder::open(tmp.path().toStdString()));
    }

    void attemptsAndStatus()
    {
        QTemporaryDir tmp;
        const SweepFolder f = SweepFolder::createOrUpdate(tmp.path().toStdString(), spec());
        const CellStatus first = f.beginAttempt(2);
        QCOMPARE(first.state, CellState::Running);
        QVERIFY(first.pid > 0);
        QVERIFY(!first.attempt.empty());
        touch(f.cellStorePath(2));
        touch(f.cellResultPath(2));
        const CellStatus second = f.beginAttempt(2);
        QVERIFY(second.attempt != first.attempt);
        QVERIFY(!fs::exists(f.cellStorePath(2)));  // an attempt starts from an empty store
        QVERIFY(!fs::exists(f.cellResultPath(2)));
        QCOMPARE(f.readStatus(2).attempt, second.attempt);

        CellStatus failed = second;
        failed.state = CellState::Failed;
        failed.error = "model folder /m/a: no config.json";
        f.writeStatus(2, failed);
        const CellStatus back = f.readStatus(2);
        QCOMPARE(back.error, failed.error);
        QCOMPARE(back.state, CellState::Failed);

        // The status view: this process is alive, so a "running" cell of it stays running;
        // a pid that is gone makes the cell failed with the reason.
        CellStatus gone = f.beginAttempt(0);
        gone.pid = 999999;
        f.writeStatus(0, gone);
        f.beginAttempt(1);
        const SweepReport r = sweepStatus(f, false);
        QCOMPARE(r.cells[0].state, CellState::Failed);
        QVERIFY(QString::fromStdString(r.cells[0].detail).contains(QStringLiteral("ended without")));
        QCOMPARE(r.cells[1].state, CellState::Running);
        QCOMPARE(r.cells[2].state, CellState::Failed);
        QCOMPARE(r.cells[3].state, CellState::Pending);
        QCOMPARE(r.finished(), 2);
        const QString csv = QString::fromStdString(resultsCsv(f, r));
        QCOMPARE(csv.count(QLatin1Char('\n')), 5);
        QVERIFY(csv.startsWith(QStringLiteral("cell,state,model,backend,plan")));
        QVERIFY(csv.contains(QStringLiteral("\"model folder /m/a: no config.json\"")) ||
                csv.contains(QStringLiteral("model folder /m/a: no config.json")));
        const json j = json::parse(resultsJson(f, r));
        QCOMPARE(j.at("counts").at("failed").get<int>(), 2);
        QCOMPARE(j.at("cells").size(), std::size_t(4));
        QVERIFY(QString::fromStdString(resultsText(f, r)).contains(QStringLiteral("pending")));
    }

    void compress_data()
    {
        QTest::addColumn<QList<int>>("indices");
        QTest::addColumn<QString>("text");
        QTest::newRow("one") << QList<int>{4} << "4";
        QTest::newRow("run") << QList<int>{0, 1, 2, 3} << "0-3";
        QTest::newRow("mixed") << QList<int>{9, 0, 1, 2, 3, 5, 7, 8, 3} << "0-3,5,7-9";
    }
    void compress()
    {
        QFETCH(QList<int>, indices);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(compressIndices({indices.begin(), indices.end()})), text);
    }

    void script()
    {
        QTemporaryDir tmp;
        const std::string dir = tmp.filePath(QStringLiteral("it's here")).toStdString();
        const SweepFolder f = SweepFolder::createOrUpdate(dir, spec());
        SlurmOptions o;
        o.program = "/opt/lieq/bin/lieq";
        o.partition = "gpu";
        o.time = "01:00:00";
        o.gres = "gpu:1";
        o.maxParallel = 2;
        o.extraArgs = {"--exclusive"};
        const QString s = QString::fromStdString(slurmScript(f, o, {0, 1, 3}));
        QVERIFY(s.startsWith(QStringLiteral("#!/bin/bash\n")));
        QVERIFY(s.contains(QStringLiteral("#SBATCH --array=0-1,3%2\n")));
        QVERIFY(s.contains(QStringLiteral("#SBATCH --partition=gpu\n")));
        QVERIFY(s.contains(QStringLiteral("#SBATCH --time=01:00:00\n")));
        QVERIFY(s.contains(QStringLiteral("#SBATCH --gres=gpu:1\n")));
        QVERIFY(s.contains(QStringLiteral("#SBATCH --exclusive\n")));
        QVERIFY(s.contains(QStringLiteral("#SBATCH --cpus-per-task=1\n")));
        QVERIFY(!s.contains(QStringLiteral("--mem")));
        // The folder name's quote survives shell quoting.
        QVERIFY(s.contains(QStringLiteral("'/opt/lieq/bin/lieq' sweep run-cell '")));
        QVERIFY(s.contains(QStringLiteral("it'\\''s here")));
        QVERIFY(s.contains(QStringLiteral("\"$SLURM_ARRAY_TASK_ID\" --threads 1")));
    }

    void parsers()
    {
        // squeue -h -r -j 7 -o "%i|%T|%r"
        const auto q = parseSqueue("7_2|PENDING|Resources\n7_0|RUNNING|None\n8_1|RUNNING|None\n"
                                   "7_[5-9]|PENDING|Priority\n",
                                   "7");
        QCOMPARE(int(q.size()), 2);
        QCOMPARE(q.at(2).state, std::string("PENDING"));
        QCOMPARE(q.at(2).reason, std::string("Resources"));
        QCOMPARE(q.at(0).jobId, std::string("7_0"));
        // sacct -n -P -X -j 7 -o JobID,State,ExitCode
        const auto a = parseSacct("7_0|COMPLETED|0:0\n7_1|CANCELLED by 0|0:15\n7_3|TIMEOUT|0:0\n", "7");
        QCOMPARE(a.at(1).state, std::string("CANCELLED"));
        QCOMPARE(a.at(3).state, std::string("TIMEOUT"));
        // scontrol show job -o 1 (one line per task; the pending remainder has a range)
        const std::string sc =
            "JobId=1 ArrayJobId=1 ArrayTaskId=2 JobName=lieqtest UserId=root(0) JobState=COMPLETED "
            "Reason=None ExitCode=0:0\n"
            "JobId=3 ArrayJobId=1 ArrayTaskId=1 JobName=lieqtest JobState=CANCELLED Reason=None\n"
            "JobId=1 ArrayJobId=1 ArrayTaskId=4-6 JobName=lieqtest JobState=PENDING Reason=None\n"
            "JobId=9 ArrayJobId=9 ArrayTaskId=1 JobState=RUNNING\n";
        const auto c = parseScontrol(sc, "1");
        QCOMPARE(int(c.size()), 2);
        QCOMPARE(c.at(2).state, std::string("COMPLETED"));
        QCOMPARE(c.at(1).state, std::string("CANCELLED"));
        QVERIFY(schedulerStateFinal("CANCELLED"));
        QVERIFY(schedulerStateFinal("COMPLETED"));
        QVERIFY(!schedulerStateFinal("PENDING"));
        QVERIFY(!schedulerStateFinal("RUNNING"));
        QVERIFY(!schedulerStateFinal(""));
    }

    void processes()
    {
        const CommandResult ok = runCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
        QCOMPARE(ok.exitCode, 3);
        QCOMPARE(ok.out, std::string("out\n"));
        QCOMPARE(ok.err, std::string("err\n"));
        const CommandResult missing = runCommand({"/nonexistent/program"});
        QCOMPARE(missing.exitCode, -1);
        QVERIFY(!missing.err.empty());
        const CommandResult slow = runCommand({"sleep", "30"}, 0.5);
        QCOMPARE(slow.signal, 9);
        QVERIFY(!findProgram("sh").empty());
        QVERIFY(findProgram("no-such-program-here").empty());
        QVERIFY(!currentExecutable().empty());

        QTemporaryDir tmp;
        const std::string log = tmp.filePath(QStringLiteral("log.txt")).toStdString();
        ChildProcess p = ChildProcess::start({"/bin/sh", "-c", "echo hello; sleep 30"}, log);
        QVERIFY(p.running());
        QVERIFY(!p.poll());
        QFile f(QString::fromStdString(log));
        QTRY_VERIFY_WITH_TIMEOUT(f.size() > 0, 10000); // the output goes to the log
        p.terminate();
        p.wait();
        QCOMPARE(p.signal(), 15);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("hello\n"));
    }
};

QTEST_GUILESS_MAIN(TestSweepFolder)
#include "tst_sweepfolder.moc"
