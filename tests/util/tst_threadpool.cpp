// The engine's thread pool (core/util/thread_pool.h): every index of every call computed exactly
// once, with calls back to back (workers that spin between them) and with pauses longer than the
// spin (workers that went to sleep); a chunk's exception reaches the caller; a SerialScope keeps
// the calls of its thread inline (and only its thread's); resizing while workers spin or sleep;
// runSideBySide: every task once, each on one thread, its calling-thread hook in order, and a
// stop (a throwing hook, a failing task) that starts no further task; onCallingThread() false on
// the workers only.
#include "core/util/thread_pool.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace lieq;

namespace {

// Runs one call over n items; returns whether each index was visited exactly once.
bool coversOnce(ThreadPool &pool, std::int64_t n, std::int64_t grain)
{
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
    pool.parallelFor(n, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i)
            ++hits[static_cast<std::size_t>(i)];
    }, grain);
    for (const auto &h : hits)
        if (h.load() != 1)
            return false;
    return true;
}

} // namespace

class TestThreadPool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void coversEveryIndexOnce_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("pauseUs"); // between calls: 0 (workers spinning) or past the spin
        for (int t : {1, 2, 3})
            for (int p : {0, 2000})
                QTest::addRow("threads=%d pause=%dus", t, p) << t << p;
    }

    void coversEveryIndexOnce()
    {
        QFETCH(int, threads);
        QFETCH(int, pauseUs);
        ThreadPool pool(threads);
        for (int i = 0; i < (pauseUs ? 20 : 2000); ++i) {
            const std::int64_t n = 1 + (i * 37) % 500;
            QVERIFY2(coversOnce(pool, n, 1 + i % 7), qPrintable(QStringLiteral("call %1").arg(i)));
            if (pauseUs)
                std::this_thread::sleep_for(std::chrono::microseconds(pauseUs));
        }
    }

    void usesTheWorkers()
    {
        ThreadPool pool(2);
        std::mutex m;
        std::set<std::thread::id> ids;
        // Chunks long enough that the worker gets one while the caller works on its own.
        for (int i = 0; i < 20 && ids.size() < 2; ++i)
            pool.parallelFor(8, [&](std::int64_t, std::int64_t) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
                std::lock_guard lock(m);
                ids.insert(std::this_thread::get_id());
            }, 1);
        QCOMPARE(ids.size(), std::size_t(2));
    }

    void rethrowsAChunksException()
    {
        ThreadPool pool(2);
        for (int i = 0; i < 50; ++i) {
            bool thrown = false;
            try {
                pool.parallelFor(64, [&](std::int64_t b, std::int64_t) {
                    if (b == 32)
                        throw std::runtime_error("chunk failed");
                }, 1);
            } catch (const std::runtime_error &) {
                thrown = true;
            }
            QVERIFY(thrown);
            QVERIFY(coversOnce(pool, 100, 1)); // and the pool still works
        }
    }

    void serialScopeRunsInlineOnItsThreadOnly()
    {
        ThreadPool pool(2);
        const std::thread::id self = std::this_thread::get_id();
        {
            ThreadPool::SerialScope scope;
            QVERIFY(ThreadPool::SerialScope::active());
            {
                ThreadPool::SerialScope nested;
            }
            QVERIFY(ThreadPool::SerialScope::active());
            int calls = 0;
            pool.parallelFor(1000, [&](std::int64_t b, std::int64_t e) {
                QVERIFY(std::this_thread::get_id() == self);
                QCOMPARE(b, std::int64_t(0));
                QCOMPARE(e, std::int64_t(1000));
                ++calls;
            }, 1);
            QCOMPARE(calls, 1);
            // Another thread is not affected by this thread's scope.
            bool otherActive = true;
            std::thread([&] { otherActive = ThreadPool::SerialScope::active(); }).join();
            QVERIFY(!otherActive);
        }
        QVERIFY(!ThreadPool::SerialScope::active());
    }

    void resizesWhileWorkersWait()
    {
        ThreadPool pool(2);
        for (int i = 0; i < 50; ++i) {
            QVERIFY(coversOnce(pool, 300, 1));
            if (i % 2)
                std::this_thread::sleep_for(std::chrono::milliseconds(1)); // workers asleep
            pool.resize(1 + i % 3);
            QCOMPARE(pool.threads(), 1 + i % 3);
        }
    }
    void sideBySideRunsEachTaskOnceWithHooksOnTheCaller()
    {
        ThreadPool::global().resize(2);
        const std::thread::id self = std::this_thread::get_id();
        for (int round = 0; round < 20; ++round) {
            const std::int64_t n = 1 + round % 9;
            std::vector<std::atomic<int>> runs(static_cast<std::size_t>(n));
            std::atomic<bool> nestedInline{true};
            std::vector<std::int64_t> hooked; // the calling thread's only
            bool hookOffCaller = false;
            SideBySideOptions options;
            options.beforeTask = [&](std::int64_t i) {
                hookOffCaller = hookOffCaller || std::this_thread::get_id() != self;
                hooked.push_back(i);
            };
            runSideBySide(n, [&](std::int64_t i) {
                std::this_thread::sleep_for(std::chrono::microseconds(300));
                const std::thread::id me = std::this_thread::get_id();
                ThreadPool::global().parallelFor(64, [&](std::int64_t, std::int64_t) {
                    if (std::this_thread::get_id() != me)
                        nestedInline = false;
                });
                ++runs[static_cast<std::size_t>(i)];
            }, options);
            for (const auto &r : runs)
                QCOMPARE(r.load(), 1);
            QVERIFY(nestedInline);
            QVERIFY(!hookOffCaller);
            for (std::size_t k = 1; k < hooked.size(); ++k)
                QVERIFY(hooked[k] > hooked[k - 1]);
        }
    }

    // The pool's own answer to "is this the calling thread?": true outside any run and on the
    // caller's chunks and tasks, false on every worker's (and in a run nested there).
    void onCallingThreadOnlyOffTheWorkers()
    {
        QVERIFY(onCallingThread());
        ThreadPool::global().resize(3);
        const std::thread::id self = std::this_thread::get_id();
        std::atomic<int> wrong{0}, onWorkers{0}, nestedOnWorkers{0};
        const auto check = [&] {
            const bool caller = std::this_thread::get_id() == self;
            if (onCallingThread() != caller)
                ++wrong;
            return caller;
        };
        ThreadPool::global().parallelFor(48, [&](std::int64_t, std::int64_t) {
            std::this_thread::sleep_for(std::chrono::microseconds(500));
            if (!check())
                ++onWorkers;
        });
        runSideBySide(24, [&](std::int64_t) {
            std::this_thread::sleep_for(std::chrono::microseconds(500));
            const bool caller = check();
            runSideBySide(3, [&](std::int64_t) {
                if (onCallingThread() != caller)
                    ++wrong;
                if (!caller)
                    ++nestedOnWorkers;
            });
        });
        QCOMPARE(wrong.load(), 0);
        QVERIFY(onWorkers.load() > 0);
        QVERIFY(nestedOnWorkers.load() > 0);
        QVERIFY(onCallingThread());
    }

    void sideBySideStopsOnAThrowingHookOrTask()
    {
        ThreadPool::global().resize(2);
        for (const bool failInTask : {false, true}) {
            const std::int64_t n = 200;
            std::atomic<std::int64_t> started{0};
            std::atomic<bool> stop{false};
            SideBySideOptions options;
            options.stop = &stop;
            options.beforeTask = [&](std::int64_t i) {
                if (!failInTask && i >= 4)
                    throw std::runtime_error("cancelled");
            };
            bool thrown = false;
            try {
                runSideBySide(n, [&](std::int64_t i) {
                    ++started;
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
                    if (failInTask && i == 3)
                        throw std::runtime_error("task failed");
                }, options);
            } catch (const std::runtime_error &) {
                thrown = true;
            }
            QVERIFY(thrown);
            QVERIFY(stop.load());
            QVERIFY2(started.load() < 20, qPrintable(QString::number(started.load())));
        }
    }

    void sideBySideWithoutThreadsRunsInOrderOnTheCaller()
    {
        ThreadPool::global().resize(2);
        const std::thread::id self = std::this_thread::get_id();
        std::vector<std::int64_t> order, hooked;
        bool offCaller = false;
        SideBySideOptions options;
        options.useThreads = false;
        options.beforeTask = [&](std::int64_t i) { hooked.push_back(i); };
        runSideBySide(7, [&](std::int64_t i) {
            offCaller = offCaller || std::this_thread::get_id() != self;
            order.push_back(i);
        }, options);
        QVERIFY(!offCaller);
        QCOMPARE(order, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6}));
        QCOMPARE(hooked, order);
    }
};

QTEST_GUILESS_MAIN(TestThreadPool)
#include "tst_threadpool.moc"
