// Token windows: non-overlapping, remainder dropped, --max-windows, ranges.
#include "core/data/token_windows.h"
#include "core/util/error.h"

#include <QTest>

#include <numeric>

using namespace lieq;

class TestTokenWindows : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cut_data()
    {
        QTest::addColumn<int>("tokens");
        QTest::addColumn<int>("seqlen");
        QTest::addColumn<int>("maxWindows");
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("dropped");
        QTest::newRow("exact") << 12 << 4 << -1 << 3 << 0;
        QTest::newRow("remainder") << 14 << 4 << -1 << 3 << 2;
        QTest::newRow("max") << 14 << 4 << 2 << 2 << 6;
        QTest::newRow("max-zero") << 14 << 4 << 0 << 0 << 14;
        QTest::newRow("too-short") << 3 << 4 << -1 << 0 << 3;
    }
    void cut()
    {
        QFETCH(int, tokens);
        QFETCH(int, seqlen);
        QFETCH(int, maxWindows);
        QFETCH(int, count);
        QFETCH(int, dropped);
        std::vector<std::int32_t> ids(static_cast<std::size_t>(tokens));
        std::iota(ids.begin(), ids.end(), 100);
        const TokenWindows w = TokenWindows::fromTokens(ids, seqlen, maxWindows);
        QCOMPARE(w.count, std::int64_t(count));
        QCOMPARE(w.droppedTokens, std::int64_t(dropped));
        QCOMPARE(w.sourceTokens, std::int64_t(tokens));
        QCOMPARE(w.ids.size(), std::size_t(count * seqlen));
        for (int i = 0; i < count; ++i) {
            const auto win = w.window(i);
            QCOMPARE(win.size(), std::size_t(seqlen));
            QCOMPARE(win.front(), 100 + i * seqlen); // non-overlapping, in order
        }
        QVERIFY_THROWS_EXCEPTION(Error, w.window(count));
    }

    void ranges()
    {
        std::vector<std::int32_t> ids(20);
        std::iota(ids.begin(), ids.end(), 0);
        const TokenWindows w = TokenWindows::fromTokens(ids, 5);
        QCOMPARE(w.range(1, 2), (std::vector<std::int32_t>{5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
        QCOMPARE(w.range(3, 10).size(), std::size_t(5)); // clamped
        QVERIFY(w.range(4, 1).empty());
    }

    void badSeqlen()
    {
        QVERIFY_THROWS_EXCEPTION(Error, TokenWindows::fromTokens({1, 2, 3}, 1));
    }
};

QTEST_GUILESS_MAIN(TestTokenWindows)
#include "tst_tokenwindows.moc"
