// Perplexity: the GPTQ protocol checked against NLL computed here from raw logits; batching,
// layer skips, cancel; the same per-window NLL at 1, 2 and 3 threads (batches side by side);
// and real numbers on stories260K (../shared).
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <random>

using namespace lieq;

class TestPerplexity : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    std::string m_dir;
    TokenWindows m_windows;

    // sum over positions t < T-1 of -log softmax(logits[t])[ids[t+1]], in double.
    static double referenceNll(const std::vector<float> &logits, std::span<const std::int32_t> ids,
                               std::int64_t vocab)
    {
        double sum = 0;
        for (std::size_t t = 0; t + 1 < ids.size(); ++t) {
            const float *row = logits.data() + t * static_cast<std::size_t>(vocab);
            double mx = row[0];
            for (std::int64_t v = 1; v < vocab; ++v)
                mx = std::max<double>(mx, row[v]);
            double z = 0;
            for (std::int64_t v = 0; v < vocab; ++v)
                z += std::exp(row[v] - mx);
            sum += mx + std::log(z) - row[ids[t + 1]];
        }
        return sum;
    }

private Q_SLOTS:
    void initTestCase()
    {
        setComputeThreads();
        test::TinyModelSpec spec;
        spec.arch = "qwen3";
        spec.dtype = DType::BF16;
        spec.tokenizer = test::TinyTokenizer::None;
        spec.vocabSize = 80;
        spec.layers = 3;
        m_dir = test::writeTinyCheckpoint(m_tmp.filePath(QStringLiteral("m")).toStdString(), spec);
        std::mt19937 rng(5);
        std::vector<std::int32_t> ids(5 * 16 + 7);
        for (auto &i : ids)
            i = static_cast<std::int32_t>(rng() % 80);
        m_windows = TokenWindows::fromTokens(ids, 16);
        QCOMPARE(m_windows.count, std::int64_t(5));
    }

    void matchesReferenceNll_data()
    {
        QTest::addColumn<int>("batch");
        QTest::newRow("batch-1") << 1;
        QTest::newRow("batch-2") << 2;
        QTest::newRow("batch-5") << 5;
        QTest::newRow("batch-8") << 8;
    }
    void matchesReferenceNll()
    {
        QFETCH(int, batch);
        auto model = Model::load(m_dir);
        double want = 0;
        for (std::int64_t w = 0; w < m_windows.count; ++w) {
            const auto win = m_windows.window(w);
            want += referenceNll(model->logits({win.begin(), win.end()}), win, 80);
        }
        std::vector<Progress> reports;
        PerplexityOptions po;
        po.batch = batch;
        const PerplexityResult r = evaluatePerplexity(
            *model, m_windows, po, [&](const Progress &p) {
                reports.push_back(p);
                return true;
            });
        QCOMPARE(r.windows, std::int64_t(5));
        QCOMPARE(r.tokens, std::int64_t(5 * 15));
        QCOMPARE(r.seqlen, std::int64_t(16));
        QVERIFY2(std::abs(r.nllSum - want) < 1e-4 * want,
                 qPrintable(QStringLiteral("%1 vs %2").arg(r.nllSum).arg(want)));
        QVERIFY(std::abs(r.ppl - std::exp(want / 75)) < 1e-4 * r.ppl);
        QCOMPARE(r.windowNll.size(), std::size_t(5));
        QVERIFY(r.tokensPerSecond > 0);
        QVERIFY(!reports.empty());
        QCOMPARE(reports.back().done, std::int64_t(5));
        QCOMPARE(reports.back().total, std::int64_t(5));
        QCOMPARE(QString::fromStdString(reports.front().stage), QStringLiteral("perplexity"));
    }

    void skippingALayerChangesPerplexity()
    {
        auto model = Model::load(m_dir);
        const double base = evaluatePerplexity(*model, m_windows).ppl;
        const double skipped = evaluatePerplexity(*model, m_windows, {.skipLayers = {1}}).ppl;
        QVERIFY(std::isfinite(skipped));
        QVERIFY(std::abs(skipped - base) > 1e-6 * base);
    }

    void cancelThrows_data()
    {
        QTest::addColumn<int>("allowedReports");
        QTest::newRow("at-start") << 0;
        QTest::newRow("inside-a-batch") << 2;
        QTest::newRow("later-window") << 9;
    }
    void cancelThrows()
    {
        QFETCH(int, allowedReports);
        auto model = Model::load(m_dir);
        int calls = 0;
        QVERIFY_THROWS_EXCEPTION(Cancelled,
                                 evaluatePerplexity(*model, m_windows, {}, [&](const Progress &) {
                                     return calls++ < allowedReports;
                                 }));
    }

    // Batches run side by side on 2+ threads, each as on one thread: the same bits, and the
    // progress never goes back.
    void sameAtAnyThreadCount()
    {
        auto model = Model::load(m_dir);
        for (int batch : {1, 2}) {
            std::vector<double> first;
            for (int threads : {1, 2, 3}) {
                setComputeThreads(threads);
                std::int64_t lastDone = 0;
                bool monotonic = true;
                PerplexityOptions po;
                po.batch = batch;
                const PerplexityResult r = evaluatePerplexity(*model, m_windows, po, [&](const Progress &p) {
                    monotonic = monotonic && p.done >= lastDone;
                    lastDone = p.done;
                    return true;
                });
                QVERIFY(monotonic);
                QCOMPARE(lastDone, std::int64_t(5));
                if (first.empty())
                    first = r.windowNll;
                else
                    QCOMPARE(r.windowNll, first);
            }
        }
        setComputeThreads();
    }

    void tooLittleTextIsAnError()
    {
        auto model = Model::load(m_dir);
        QVERIFY_THROWS_EXCEPTION(Error,
                                 evaluatePerplexity(*model, TokenWindows::fromTokens({1, 2, 3}, 16)));
    }

    // Real model: a TinyStories paragraph repeated is easy; WikiText-2 is far from its domain.
    void storiesRepeatedTextIsLowWikitextHigh()
    {
        LIEQ_REQUIRE_SHARED(dir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(wiki, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        auto model = Model::load(dir);
        const Tokenizer tok = Tokenizer::fromModelDir(dir);
        std::string repeated;
        for (int i = 0; i < 40; ++i)
            repeated += "Once upon a time, there was a little girl named Lily. She loved to play "
                        "outside in the park. One day, she saw a big, red ball. ";
        PerplexityOptions po;
        po.batch = 4;
        const PerplexityResult easy =
            evaluatePerplexity(*model, TokenWindows::fromText(tok, repeated, 256), po);
        const PerplexityResult hard = evaluatePerplexity(
            *model, TokenWindows::fromText(tok, Corpus::fromFile(wiki).joined(), 512, 32), po);
        qInfo("stories260K: repeated story ppl %.3f (%lld windows), WikiText-2 ppl %.1f over "
              "%lld windows of 512",
              easy.ppl, static_cast<long long>(easy.windows), hard.ppl,
              static_cast<long long>(hard.windows));
        QVERIFY(easy.windows >= 4);
        QVERIFY2(easy.ppl < 3.0, qPrintable(QString::number(easy.ppl)));
        QVERIFY(hard.ppl > 20 * easy.ppl);
    }
};

QTEST_GUILESS_MAIN(TestPerplexity)
#include "tst_perplexity.moc"
