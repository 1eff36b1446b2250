// JobRunner: results, progress with ETA, cancellation of a real core job, stale results,
// failures carrying core's message.
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"
#include "ui/jobrunner.h"

#include <QSignalSpy>
#include <QTest>

#include <chrono>
#include <thread>

using namespace lieq::ui;

class TestJobRunner : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { lieq::setComputeThreads(0); }

    void deliversResult_data()
    {
        QTest::addColumn<int>("n");
        QTest::newRow("small") << 10;
        QTest::newRow("large") << 100000;
    }
    void deliversResult()
    {
        QFETCH(int, n);
        JobRunner runner;
        QSignalSpy finished(&runner, &JobRunner::finished);
        std::optional<long long> got;
        Qt::HANDLE resultThread = nullptr;
        runner.start<long long>(
            QStringLiteral("sum"),
            [n](const lieq::ProgressFn &p) {
                long long s = 0;
                for (int i = 1; i <= n; ++i) {
                    s += i;
                    if (i % 1000 == 0)
                        lieq::reportProgress(p, {"sum", i, n, {}});
                }
                return s;
            },
            [&](long long v) {
                got = v;
                resultThread = QThread::currentThreadId();
            });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(got.has_value());
        QCOMPARE(*got, (long long)n * (n + 1) / 2);
        QCOMPARE(resultThread, QThread::currentThreadId()); // results arrive in the GUI thread
        QCOMPARE(runner.runningCount(), 0);
    }

    void progressHasEta()
    {
        JobRunner runner;
        runner.setProgressInterval(0);
        QSignalSpy progress(&runner, &JobRunner::progress);
        QSignalSpy finished(&runner, &JobRunner::finished);
        runner.start<int>(
            QStringLiteral("steps"),
            [](const lieq::ProgressFn &p) {
                for (int i = 1; i <= 5; ++i) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                    lieq::reportProgress(p, {"step", i, 5, {}});
                }
                return 5;
            },
            {});
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QCOMPARE(progress.count(), 5);
        const auto first = progress.first().first().value<JobProgress>();
        QCOMPARE(first.done, 1);
        QCOMPARE(first.total, 5);
        QCOMPARE(first.stage, QStringLiteral("step"));
        // After 1 of 5 steps at ~20 ms each, about 4 more steps remain: ~80 ms.
        QVERIFY2(first.etaSeconds > 0.04 && first.etaSeconds < 2.0, qPrintable(QString::number(first.etaSeconds)));
        const auto last = progress.last().first().value<JobProgress>();
        QCOMPARE(last.fraction, 1.0);
        QCOMPARE(last.etaSeconds, 0.0);
    }

    // A real core job (perplexity over stories260K on WikiText-2) is started and cancelled
    // through the runner: the core's progress callback returns false, the core throws
    // lieq::Cancelled, the runner reports `cancelled` and never delivers a value.
    void cancelLongCoreJob()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(textFile, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        auto model = std::shared_ptr<lieq::Model>(lieq::Model::load(modelDir));
        const auto tok = lieq::Tokenizer::fromModelDir(modelDir);
        const auto corpus = lieq::Corpus::fromTextFile(textFile);
        auto windows = std::make_shared<lieq::TokenWindows>(
            lieq::TokenWindows::fromText(tok, corpus.joined(), 256, 4000));
        QVERIFY(windows->count > 50);

        JobRunner runner;
        QSignalSpy progress(&runner, &JobRunner::progress);
        QSignalSpy cancelled(&runner, &JobRunner::cancelled);
        QSignalSpy finished(&runner, &JobRunner::finished);
        bool delivered = false;
        const JobId id = runner.start<lieq::PerplexityResult>(
            QStringLiteral("ppl"),
            [model, windows](const lieq::ProgressFn &p) {
                return lieq::evaluatePerplexity(*model, *windows, {}, p);
            },
            [&](lieq::PerplexityResult) { delivered = true; });
        QVERIFY(runner.isRunning(id));
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 1, 30000);
        const auto p = progress.last().first().value<JobProgress>();
        QVERIFY(p.total > 0);
        QVERIFY2(p.done < p.total, "job finished before it could be cancelled; make it longer");
        runner.cancel(id);
        QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 30000);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(cancelled.first().at(0).value<JobId>(), id);
        QVERIFY(!delivered);
        QVERIFY(!runner.isRunning(id));
    }

    // Two jobs under one key: the first is superseded; even though it completes, its value
    // never reaches the GUI, only the newer one does.
    void staleResultDropped()
    {
        JobRunner runner;
        QSignalSpy stale(&runner, &JobRunner::staleDropped);
        QSignalSpy finished(&runner, &JobRunner::finished);
        QList<int> delivered;
        auto slow = [](int value, int ms) {
            return [value, ms](const lieq::ProgressFn &) {
                // Ignores cancellation on purpose: a job that ends with a value after being
                // superseded is exactly the stale case.
                std::this_thread::sleep_for(std::chrono::milliseconds(ms));
                return value;
            };
        };
        const JobId first = runner.start<int>(QStringLiteral("k"), slow(1, 300),
                                              [&](int v) { delivered << v; });
        const JobId second = runner.start<int>(QStringLiteral("k"), slow(2, 10),
                                               [&](int v) { delivered << v; });
        QVERIFY(first != second);
        QCOMPARE(runner.currentJob(QStringLiteral("k")), second);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 10000);
        QCOMPARE(delivered, QList<int>{2});
        QCOMPARE(stale.count(), 1);
        QCOMPARE(stale.first().at(0).value<JobId>(), first);
    }

    void failureCarriesMessage_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("lieq::Error") << 0 << QStringLiteral("/tmp/x/config.json: unsupported architecture gpt9");
        QTest::newRow("std::exception") << 1 << QStringLiteral("Internal error: boom");
    }
    void failureCarriesMessage()
    {
        QFETCH(int, kind);
        QFETCH(QString, expected);
        JobRunner runner;
        QSignalSpy failed(&runner, &JobRunner::failed);
        runner.start<int>(
            QStringLiteral("bad"),
            [kind](const lieq::ProgressFn &) -> int {
                if (kind == 0)
                    throw lieq::Error("/tmp/x/config.json", "unsupported architecture gpt9");
                throw std::runtime_error("boom");
            },
            [](int) { QFAIL("a failed job must not deliver"); });
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
        QCOMPARE(failed.first().at(2).toString(), expected);
    }

    // Destroying the runner while a job runs cancels it and waits; nothing is delivered to a
    // dead object.
    void destroyWhileRunning()
    {
        bool delivered = false;
        {
            JobRunner runner;
            runner.start<int>(
                QStringLiteral("loop"),
                [](const lieq::ProgressFn &p) {
                    for (int i = 0; i < 100000; ++i) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                        lieq::reportProgress(p, {"loop", i, 100000, {}});
                    }
                    return 1;
                },
                [&](int) { delivered = true; });
            QTest::qWait(20);
        }
        QTest::qWait(20);
        QVERIFY(!delivered);
    }
};

QTEST_GUILESS_MAIN(TestJobRunner)
#include "tst_jobrunner.moc"
