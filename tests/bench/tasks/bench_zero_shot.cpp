// Zero-shot scoring throughput: the same requests scored one row per forward (baseline),
// packed into padded layer-major batches, and with the choices' shared prefix run once over a
// KV cache. Figures are ratios to the baseline measured in the same run; nothing is asserted
// about time, only that every mode gives the baseline's scores.
//
// Models: stories260K (../shared, when present) and a generated 4-layer llama of hidden 512
// (compute-bound: what wider real models look like). Requests: PIQA, HellaSwag and BoolQ items
// from ../shared/data (first N), or generated items when the data is absent.
#include "core/model/model.h"
#include "core/tasks/loglikelihood_scorer.h"
#include "core/tasks/task_loaders.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/support/testutil.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <cmath>
#include <cstdio>

using namespace lieq;

class BenchZeroShot : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

    static void requestsOf(const TaskData &t, std::size_t items,
                           std::vector<LoglikelihoodRequest> &req, std::vector<std::int64_t> &groups)
    {
        for (std::size_t i = 0; i < std::min(items, t.items.size()); ++i)
            for (const auto &r : t.items[i].requests) {
                req.push_back(r);
                groups.push_back(static_cast<std::int64_t>(i));
            }
    }

    static void runModes(const char *label, Model &model, const Tokenizer &tok,
                         const std::vector<LoglikelihoodRequest> &req,
                         const std::vector<std::int64_t> &groups)
    {
        std::printf("\n%s: %zu requests\n", label, req.size());
        std::printf("  %-8s %9s %9s %9s %12s %10s %12s\n", "mode", "seconds", "req/s", "forwards",
                    "fwd tokens", "speedup", "max|diff|");
        std::vector<LoglikelihoodScore> base;
        double baseSeconds = 0;
        for (Batching b : {Batching::None, Batching::Packed, Batching::SharedPrefix}) {
            ScorerOptions so;
            so.batching = b;
            LoglikelihoodScorer scorer(model, tok, so);
            const auto t0 = std::chrono::steady_clock::now();
            const auto s = scorer.score(req, groups);
            const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            double diff = 0;
            if (b == Batching::None) {
                base = s;
                baseSeconds = sec;
            }
            for (std::size_t i = 0; i < s.size(); ++i)
                diff = std::max(diff, std::abs(s[i].logprob - base[i].logprob));
            std::printf("  %-8s %9.2f %9.0f %9lld %12lld %9.1fx %12.2e\n", batchingName(b), sec,
                        static_cast<double>(req.size()) / sec,
                        static_cast<long long>(scorer.stats().forwards),
                        static_cast<long long>(scorer.stats().forwardTokens), baseSeconds / sec, diff);
            QVERIFY(diff < 1e-3);
        }
    }

private Q_SLOTS:
    void initTestCase() { setComputeThreads(); }

    void scoringModes_data()
    {
        QTest::addColumn<QString>("model");
        QTest::newRow("stories260K") << "stories";
        QTest::newRow("generated hidden 512") << "wide";
    }
    void scoringModes()
    {
        QFETCH(QString, model);
        std::string dir;
        if (model == QStringLiteral("stories")) {
            dir = test::sharedPath("models/stories260K-hf");
            if (dir.empty())
                QSKIP("../shared/models/stories260K-hf is absent");
        } else {
            test::TinyModelSpec spec;
            spec.hidden = 512;
            spec.intermediate = 1408;
            spec.layers = 4;
            spec.heads = 8;
            spec.kvHeads = 4;
            spec.maxPositions = 2048;
            spec.merges = 400;
            dir = test::writeTinyCheckpoint(m_tmp.filePath(QStringLiteral("wide")).toStdString(), spec);
        }
        auto m = Model::load(dir);
        const Tokenizer tok = Tokenizer::fromModelDir(dir);
        const std::string data = test::sharedPath("data");
        const std::size_t scale = model == QStringLiteral("stories") ? 4 : 1;
        if (data.empty()) {
            std::vector<LoglikelihoodRequest> req;
            std::vector<std::int64_t> groups;
            for (int i = 0; i < 100; ++i)
                for (const char *c : {" the cat sat on the mat.", " a dog ran far away."}) {
                    req.push_back({"Question: item " + std::to_string(i) + " what happened?\nAnswer:", c});
                    groups.push_back(i);
                }
            runModes("generated items", *m, tok, req, groups);
            return;
        }
        for (const char *task : {"piqa", "hellaswag", "boolq"}) {
            std::vector<LoglikelihoodRequest> req;
            std::vector<std::int64_t> groups;
            const std::size_t items = (std::string(task) == "boolq" ? 40 : 100) * scale;
            requestsOf(loadTask(task, data), items, req, groups);
            runModes(task, *m, tok, req, groups);
        }
    }
};

QTEST_GUILESS_MAIN(BenchZeroShot)
#include "bench_zero_shot.moc"
