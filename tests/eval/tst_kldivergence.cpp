// KL divergence between two models' next-token distributions, checked against a direct
// computation from raw logits: 0 against itself, the reference/model perplexities, top-1
// agreement, direction (KL(P_ref || P_model)), vocabulary mismatch, cancel.
#include "core/data/token_windows.h"
#include "core/eval/kl_divergence.h"
#include "core/eval/perplexity.h"
#include "core/model/model.h"
#include "core/util/error.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <random>

using namespace lieq;

namespace {

std::vector<double> logSoftmax(const float *row, std::int64_t n)
{
    double mx = row[0];
    for (std::int64_t i = 1; i < n; ++i)
        mx = std::max<double>(mx, row[i]);
    double z = 0;
    for (std::int64_t i = 0; i < n; ++i)
        z += std::exp(row[i] - mx);
    std::vector<double> out(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
        out[static_cast<std::size_t>(i)] = row[i] - mx - std::log(z);
    return out;
}

test::TinyModelSpec spec(std::uint64_t seed, std::int64_t vocab = 80)
{
    test::TinyModelSpec s;
    s.tokenizer = test::TinyTokenizer::None;
    s.vocabSize = vocab;
    s.layers = 2;
    s.seed = seed;
    return s;
}

} // namespace

class TestKlDivergence : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    std::string m_a, m_b;
    TokenWindows m_windows;

private Q_SLOTS:
    void initTestCase()
    {
        setComputeThreads();
        m_a = test::writeTinyCheckpoint(m_tmp.filePath(QStringLiteral("a")).toStdString(), spec(1));
        m_b = test::writeTinyCheckpoint(m_tmp.filePath(QStringLiteral("b")).toStdString(), spec(2));
        std::mt19937 rng(3);
        std::vector<std::int32_t> ids(3 * 12);
        for (auto &i : ids)
            i = static_cast<std::int32_t>(rng() % 80);
        m_windows = TokenWindows::fromTokens(ids, 12);
    }

    void againstItselfIsZero()
    {
        auto a = Model::load(m_a);
        auto a2 = Model::load(m_a);
        const KlDivergenceResult r = evaluateKlDivergence(*a, *a2, m_windows);
        QCOMPARE(r.meanKl, 0.0);
        QCOMPARE(r.maxKl, 0.0);
        QCOMPARE(r.top1Agreement, 1.0);
        QCOMPARE(r.positions, std::int64_t(3 * 11));
        QCOMPARE(r.pplModel, r.pplReference);
        const PerplexityResult p = evaluatePerplexity(*a, m_windows);
        QVERIFY(std::abs(r.pplReference / p.ppl - 1) < 1e-5);
    }

    void matchesDirectComputation()
    {
        auto a = Model::load(m_a);
        auto b = Model::load(m_b);
        const KlDivergenceResult r = evaluateKlDivergence(*a, *b, m_windows);
        double sum = 0, mx = 0;
        int agree = 0;
        for (std::int64_t w = 0; w < m_windows.count; ++w) {
            const std::vector<std::int32_t> ids = m_windows.range(w, 1);
            const std::vector<float> la = a->logits(ids), lb = b->logits(ids);
            for (std::int64_t t = 0; t + 1 < m_windows.seqlen; ++t) {
                const auto p = logSoftmax(la.data() + t * 80, 80);
                const auto q = logSoftmax(lb.data() + t * 80, 80);
                double kl = 0;
                for (int i = 0; i < 80; ++i)
                    kl += std::exp(p[i]) * (p[i] - q[i]);
                sum += kl;
                mx = std::max(mx, kl);
                agree += std::max_element(p.begin(), p.end()) - p.begin() ==
                         std::max_element(q.begin(), q.end()) - q.begin();
            }
        }
        QVERIFY(r.meanKl > 1e-3); // two different random models
        QVERIFY(std::abs(r.meanKl - sum / 33.0) < 1e-9 * (1 + sum));
        QVERIFY(std::abs(r.maxKl - mx) < 1e-9 * (1 + mx));
        QCOMPARE(r.top1Agreement, agree / 33.0);
        const PerplexityResult pb = evaluatePerplexity(*b, m_windows);
        QVERIFY(std::abs(r.pplModel / pb.ppl - 1) < 1e-5);
        // The llama.cpp-style statistics come from the same pass.
        const KlStatistics &s = r.stats;
        QCOMPARE(s.positions, std::int64_t(33));
        QCOMPARE(s.windows, std::int64_t(3));
        QCOMPARE(s.klMean.value, r.meanKl);
        QVERIFY(s.klMean.error > 0);
        QVERIFY(s.klMin <= s.klAt(0.5) && s.klAt(0.5) <= s.klMax);
        QVERIFY(std::abs(s.pplRatio.value - r.pplModel / r.pplReference) < 1e-9 * s.pplRatio.value);
        QVERIFY(s.memoryBytes >= 2 * 12 * 80 * 4);
        QVERIFY(std::isfinite(s.windowLnPplCorrelation));
        // Not symmetric: the expectation is under the reference.
        const KlDivergenceResult back = evaluateKlDivergence(*b, *a, m_windows);
        QVERIFY(std::abs(back.meanKl - r.meanKl) > 1e-9);
    }

    void errors()
    {
        auto a = Model::load(m_a);
        const std::string other =
            test::writeTinyCheckpoint(m_tmp.filePath(QStringLiteral("c")).toStdString(), spec(1, 96));
        auto c = Model::load(other);
        QVERIFY_THROWS_EXCEPTION(Error, evaluateKlDivergence(*a, *c, m_windows));
        QVERIFY_THROWS_EXCEPTION(Error, evaluateKlDivergence(*a, *a, TokenWindows{}));
        auto a2 = Model::load(m_a);
        int calls = 0;
        QVERIFY_THROWS_EXCEPTION(Cancelled, evaluateKlDivergence(*a, *a2, m_windows,
                                                                 [&](const Progress &) {
                                                                     return ++calls < 2;
                                                                 }));
    }
};

QTEST_GUILESS_MAIN(TestKlDivergence)
#include "tst_kldivergence.moc"
