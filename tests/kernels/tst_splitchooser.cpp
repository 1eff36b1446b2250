// The kernels' adaptive split (kernels/split_chooser.h, kernels::parallelForTimed): on given
// times the chooser keeps the faster way, rechecks the other one, follows a change of load in a
// bounded number of calls and ignores the cold first call; through parallelForTimed, a split that
// is slow (as when the other core is busy) is abandoned after the probes and a fast one kept, the
// policies are obeyed, the timing table stays bounded, and concurrent callers each get their
// whole range computed exactly once.
#include "kernels/parallel.h"
#include "kernels/split_chooser.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace lieq::kernels;

namespace {

// Feeds a chooser `calls` calls whose times are serialTime(call) / splitTime(call); returns
// which calls split.
template <class SerialFn, class SplitFn>
std::vector<bool> drive(SplitChooser &c, int calls, SerialFn serialTime, SplitFn splitTime)
{
    std::vector<bool> split;
    for (int i = 0; i < calls; ++i) {
        const SplitChooser::Choice choice = c.next();
        split.push_back(choice.split);
        c.record(choice, choice.split ? splitTime(i) : serialTime(i));
    }
    return split;
}

int countSplits(const std::vector<bool> &v, std::size_t from, std::size_t to)
{
    int n = 0;
    for (std::size_t i = from; i < to && i < v.size(); ++i)
        n += v[i];
    return n;
}

std::atomic<int> g_splitCalls{0};
std::atomic<bool> g_inSplit{false};

// A parallel-for that runs the chunks on this thread (flagged as a split call) after `delay`.
ParallelForFn delayedParallelFor(std::chrono::microseconds delay)
{
    return [delay](std::int64_t n, const RangeFn &fn, std::int64_t) {
        ++g_splitCalls;
        std::this_thread::sleep_for(delay);
        g_inSplit = true;
        fn(0, n / 2);
        fn(n / 2, n);
        g_inSplit = false;
    };
}

} // namespace

class TestSplitChooser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup()
    {
        setParallelFor({});
        setSplitPolicy(SplitPolicy::Adaptive);
    }

    void keepsTheFasterWay_data()
    {
        QTest::addColumn<double>("serial");
        QTest::addColumn<double>("split");
        QTest::addColumn<bool>("expectSplit");
        QTest::newRow("split twice as fast") << 2.0 << 1.0 << true;
        QTest::newRow("split slower (busy core)") << 1.0 << 1.6 << false;
        QTest::newRow("split barely slower") << 1.0 << 1.05 << false;
        QTest::newRow("split barely faster") << 1.05 << 1.0 << true;
    }

    void keepsTheFasterWay()
    {
        QFETCH(double, serial);
        QFETCH(double, split);
        QFETCH(bool, expectSplit);
        SplitChooser c;
        const int calls = 1 + 2 * SplitChooser::kProbeRuns + 10 * int(SplitChooser::kRecheck);
        const auto v = drive(c, calls, [&](int) { return serial; }, [&](int) { return split; });
        QVERIFY(!c.probing());
        QCOMPARE(c.prefersSplit(), expectSplit);
        // After the probes: the other way only on every kRecheck-th call.
        const int splits = countSplits(v, 1 + 2 * SplitChooser::kProbeRuns, v.size());
        const int rest = calls - 1 - 2 * SplitChooser::kProbeRuns;
        const int rechecks = rest / int(SplitChooser::kRecheck) + 1;
        if (expectSplit)
            QVERIFY2(splits >= rest - rechecks, qPrintable(QString::number(splits)));
        else
            QVERIFY2(splits <= rechecks, qPrintable(QString::number(splits)));
    }

    void ignoresTheColdFirstCall()
    {
        SplitChooser c;
        // The first call (unsplit) takes 100x longer: page faults of freshly mapped weights.
        const auto v = drive(c, 1 + 2 * SplitChooser::kProbeRuns, [](int i) { return i == 0 ? 100.0 : 1.0; },
                             [](int) { return 1.5; });
        QVERIFY(!v[0]);
        QVERIFY(!c.probing());
        QVERIFY(!c.prefersSplit());
        QCOMPARE(c.serialSeconds(), 1.0);
    }

    // Load changes: split becomes slow (a core gets busy) or fast again (it comes free).
    void followsAChangeOfLoad_data()
    {
        QTest::addColumn<double>("serialBefore");
        QTest::addColumn<double>("splitBefore");
        QTest::addColumn<double>("serialAfter");
        QTest::addColumn<double>("splitAfter");
        QTest::addColumn<int>("withinCalls");
        // The chosen way is timed on every call: it is left within a few calls.
        QTest::newRow("split becomes slow (core busy)") << 2.0 << 1.0 << 2.0 << 3.0 << 4;
        // The other way is only seen on rechecks: within one recheck period.
        QTest::newRow("split becomes fast (core free)") << 1.0 << 2.0 << 1.0 << 0.5
                                                        << int(SplitChooser::kRecheck) + 1;
        QTest::newRow("serial becomes fast") << 2.0 << 1.0 << 0.5 << 1.0 << int(SplitChooser::kRecheck) + 1;
    }

    void followsAChangeOfLoad()
    {
        QFETCH(double, serialBefore);
        QFETCH(double, splitBefore);
        QFETCH(double, serialAfter);
        QFETCH(double, splitAfter);
        QFETCH(int, withinCalls);
        SplitChooser c;
        const int change = 300;
        const auto v = drive(c, change + 200, [&](int i) { return i < change ? serialBefore : serialAfter; },
                             [&](int i) { return i < change ? splitBefore : splitAfter; });
        const bool before = splitBefore < serialBefore;
        QCOMPARE(bool(v[change - 2]), before);
        int switched = -1;
        for (int i = change; i < int(v.size()) && switched < 0; ++i) {
            bool stays = true; // switched for good (not a single recheck)
            for (int j = i; j < i + 10 && j < int(v.size()); ++j)
                stays = stays && v[std::size_t(j)] != before;
            if (stays)
                switched = i;
        }
        QVERIFY2(switched >= 0 && switched - change <= withinCalls,
                 qPrintable(QStringLiteral("switched at call %1 of the new load").arg(switched - change)));
    }

    // One lucky recheck of the slower way flips the choice; the way's own times flip it back.
    void recoversFromALuckyRecheck()
    {
        SplitChooser c;
        const int lucky = 2 * int(SplitChooser::kRecheck) - 1; // a recheck: call number 2 * kRecheck
        const auto v = drive(c, lucky + 40, [](int) { return 1.0; },
                             [&](int i) { return i == lucky ? 0.5 : 2.0; });
        QVERIFY(v[std::size_t(lucky)]);
        QVERIFY(countSplits(v, std::size_t(lucky), std::size_t(lucky) + 40) <= 3);
        QVERIFY(!c.prefersSplit());
    }

    // Through parallelForTimed with real time: a split that costs 20 ms more than the work is
    // dropped after its probes; a split that makes the work 20x faster is kept.
    void parallelForTimedFollowsTheTimes_data()
    {
        QTest::addColumn<int>("delayMs");
        QTest::addColumn<bool>("splitFaster");
        QTest::newRow("slow split") << 20 << false;
        QTest::newRow("fast split") << 0 << true;
    }

    void parallelForTimedFollowsTheTimes()
    {
        QFETCH(int, delayMs);
        QFETCH(bool, splitFaster);
        setParallelFor(delayedParallelFor(std::chrono::milliseconds(delayMs)));
        g_splitCalls = 0;
        int site = 0;
        const int calls = 1 + 2 * SplitChooser::kProbeRuns + 20;
        for (int i = 0; i < calls; ++i)
            parallelForTimed(&site, 0, 64, [&](std::int64_t b, std::int64_t e) {
                const double perItemMs = g_inSplit ? 0.005 : 0.2;
                if (!splitFaster)
                    return; // the work itself is negligible: only the split's delay counts
                std::this_thread::sleep_for(std::chrono::microseconds(int(1000 * perItemMs * double(e - b))));
            }, 1);
        if (splitFaster)
            QVERIFY2(g_splitCalls >= SplitChooser::kProbeRuns + 18, qPrintable(QString::number(g_splitCalls)));
        else
            QCOMPARE(g_splitCalls.load(), SplitChooser::kProbeRuns); // the probes only
    }

    void policies_data()
    {
        QTest::addColumn<int>("policy");
        QTest::addColumn<int>("expectedSplits");
        QTest::newRow("always") << int(SplitPolicy::Always) << 10;
        QTest::newRow("never") << int(SplitPolicy::Never) << 0;
    }

    void policies()
    {
        QFETCH(int, policy);
        QFETCH(int, expectedSplits);
        setParallelFor(delayedParallelFor(std::chrono::microseconds(0)));
        setSplitPolicy(SplitPolicy(policy));
        g_splitCalls = 0;
        int site = 0;
        for (int i = 0; i < 10; ++i)
            parallelForTimed(&site, 0, 64, [](std::int64_t, std::int64_t) {}, 1);
        QCOMPARE(g_splitCalls.load(), expectedSplits);
        // Work no larger than one grain never splits.
        setSplitPolicy(SplitPolicy::Always);
        g_splitCalls = 0;
        parallelForTimed(&site, 0, 8, [](std::int64_t, std::int64_t) {}, 8);
        QCOMPARE(g_splitCalls.load(), 0);
    }

    // Prefill-sized calls split from the first call on, however slow a split is, unless the
    // policy says never; they take no place in the timing table.
    void prefillSizedWorkAlwaysSplits()
    {
        setParallelFor(delayedParallelFor(std::chrono::microseconds(2000)));
        setSplitPolicy(SplitPolicy::Adaptive);
        const std::size_t sitesBefore = splitTimingSites();
        g_splitCalls = 0;
        int site = 0;
        for (int i = 0; i < 5; ++i)
            parallelForTimed(&site, kAlwaysSplitSizeClass, 64, [](std::int64_t, std::int64_t) {}, 1);
        QCOMPARE(g_splitCalls.load(), 5);
        QCOMPARE(splitTimingSites(), sitesBefore);
        setSplitPolicy(SplitPolicy::Never);
        g_splitCalls = 0;
        parallelForTimed(&site, kAlwaysSplitSizeClass, 64, [](std::int64_t, std::int64_t) {}, 1);
        QCOMPARE(g_splitCalls.load(), 0);
        setSplitPolicy(SplitPolicy::Adaptive);
    }

    void timingTableIsBounded()
    {
        setParallelFor(delayedParallelFor(std::chrono::microseconds(0)));
        std::vector<char> sites(10000);
        std::size_t most = 0;
        for (char &s : sites) {
            parallelForTimed(&s, 0, 64, [](std::int64_t, std::int64_t) {}, 1);
            most = std::max(most, splitTimingSites());
        }
        QVERIFY(most <= 4096);
        QVERIFY(most >= 1000); // sites are kept while there is room
        setParallelFor({});
        QCOMPARE(splitTimingSites(), std::size_t(0)); // a new parallel-for: old timings dropped
    }

    // Four threads calling parallelForTimed on shared and own sites at once, with a parallel-for
    // that really uses another thread: every call covers its range exactly once.
    void concurrentCallers()
    {
        setParallelFor([](std::int64_t n, const RangeFn &fn, std::int64_t) {
            std::thread other([&] { fn(0, n / 2); });
            fn(n / 2, n);
            other.join();
        });
        std::atomic<int> bad{0};
        std::vector<char> sites(8);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 150; ++i) {
                    std::vector<std::atomic<int>> hits(257);
                    const void *site = &sites[std::size_t((t + i) % 8)];
                    parallelForTimed(site, i % 3, 257, [&](std::int64_t b, std::int64_t e) {
                        for (std::int64_t k = b; k < e; ++k)
                            ++hits[std::size_t(k)];
                    }, 16);
                    for (auto &h : hits)
                        bad += h.load() != 1;
                }
            });
        for (auto &th : threads)
            th.join();
        QCOMPARE(bad.load(), 0);
        QVERIFY(splitTimingSites() <= 24);
    }
};

QTEST_GUILESS_MAIN(TestSplitChooser)
#include "tst_splitchooser.moc"
