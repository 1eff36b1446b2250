// The proof against the real consumer: a mixed-precision GGUF exported from a quantization run
// loads in llama.cpp (npm node-llama-cpp, CPU, offline), and llama.cpp's perplexity on the same
// tokens is within 1% of this project's own evaluation of the same GGUF weights; the KL
// divergence of the GGUF's weights from the FP16 model is reported beside the run's own.
#include "core/data/token_windows.h"
#include "core/eval/kl_divergence.h"
#include "core/export/gguf_quant_export.h"
#include "core/export/gguf_weights.h"
#include "core/export/quantized_run_reader.h"
#include "core/model/model.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/atomic_file.h"
#include "core/util/demo_model.h"
#include "tests/export/export_fixture.h"
#include "tests/support/llama_reference.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>

using namespace lieq;

namespace {

// exp(mean NLL of ids[1..] given the prefix) from log-probabilities [positions x vocab].
double perplexity(const std::vector<std::int32_t> &ids, const float *logProbs, std::int64_t vocab)
{
    double nll = 0;
    for (std::size_t p = 0; p + 1 < ids.size(); ++p)
        nll -= logProbs[p * vocab + ids[p + 1]];
    return std::exp(nll / double(ids.size() - 1));
}

std::vector<float> logSoftmax(const std::vector<float> &logits, std::int64_t vocab)
{
    std::vector<float> out(logits.size());
    for (std::size_t r = 0; r < logits.size() / std::size_t(vocab); ++r) {
        const float *row = logits.data() + r * vocab;
        double mx = row[0];
        for (std::int64_t v = 1; v < vocab; ++v)
            mx = std::max(mx, double(row[v]));
        double sum = 0;
        for (std::int64_t v = 0; v < vocab; ++v)
            sum += std::exp(double(row[v]) - mx);
        const double lse = mx + std::log(sum);
        for (std::int64_t v = 0; v < vocab; ++v)
            out[r * vocab + v] = float(double(row[v]) - lse);
    }
    return out;
}

} // namespace

class TestGgufLlama : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { setComputeThreads(1); }

    void llamaCppAgrees_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QList<int>>("bits");
        // The demo model's rows (128 and 384 wide) fit no 256-block K-quant: Q4_0/Q8_0 carry and
        // fallbacks; the tiny llama row exercises the K-quants.
        QTest::newRow("demo qwen3, 4+2+3+8 bits (Q4_0/Q8_0 fallbacks)")
            << "demo" << QList<int>{4, 2, 2, 3, 2, 2, 8, 2, 2, 4, 2, 2, 3, 2, 2, 8};
        QTest::newRow("llama hidden 256, all K-quants") << "tiny" << QList<int>{4, 2, 3, 8};
    }
    void llamaCppAgrees()
    {
        QFETCH(QString, model);
        QFETCH(QList<int>, bits);
        QTemporaryDir tmp;
        std::string dir;
        std::vector<std::int32_t> ids;
        std::string text;
        if (model == QLatin1String("demo")) {
            dir = findDemoModel().string();
            if (dir.empty())
                QSKIP("the demo model is not found");
            text = readFile(dir + "/validation.txt");
            ids = Tokenizer::fromModelDir(dir).encode(text.substr(0, 4000));
            ids.resize(std::min<std::size_t>(ids.size(), 256));
        } else {
            test::TinyModelSpec spec;
            spec.hidden = 256;
            spec.intermediate = 512;
            spec.layers = 4;
            spec.seed = 3;
            dir = test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("tiny")).toStdString(), spec);
            std::uint32_t s = 7;
            const std::int64_t vocab = Model::load(dir)->config().vocabSize;
            for (int i = 0; i < 200; ++i) {
                s = s * 1664525u + 1013904223u;
                ids.push_back(std::int32_t((s >> 8) % std::uint32_t(vocab)));
            }
        }
        test::RunSpec rs;
        rs.layerBits.assign(bits.begin(), bits.end());
        rs.groupSize = 64;
        rs.calibrationTokens = ids;
        const std::string runDir = test::quantizeRun(dir, rs, tmp.filePath(QStringLiteral("run")).toStdString());
        const std::string gguf = tmp.filePath(QStringLiteral("run.gguf")).toStdString();
        const GgufQuantResult exported = exportRunGguf(QuantizedRunReader(runDir), gguf);
        std::map<std::string, int> types;
        for (const auto &t : exported.tensors)
            ++types[std::to_string(int(t.type))];

        std::string why;
        const auto ref = test::llamaLogProbs(gguf, ids, &why, 300);
        if (!ref)
            QSKIP(why.c_str());
        const std::string back = tmp.filePath(QStringLiteral("back")).toStdString();
        ggufToCheckpoint(gguf, runDir, back);
        auto ours = Model::load(back);
        const std::int64_t vocab = ours->config().vocabSize;
        QCOMPARE(ref->vocab, vocab);
        const std::vector<float> lp = logSoftmax(ours->logits(ids), vocab);
        const double pplOurs = perplexity(ids, lp.data(), vocab);
        const double pplLlama = perplexity(ids, ref->logProbs.data(), vocab);
        double maxDiff = 0;
        for (std::size_t i = 0; i < lp.size(); ++i)
            maxDiff = std::max(maxDiff, std::abs(double(lp[i]) - ref->logProbs[i]));

        // KL from the FP16 model: the GGUF's weights, and the run's own checkpoint.
        auto fp16 = Model::load(dir);
        auto run = loadQuantizedModel(runDir);
        const TokenWindows windows = TokenWindows::fromTokens(ids, 64);
        const KlDivergenceResult klGguf = evaluateKlDivergence(*fp16, *ours, windows);
        const KlDivergenceResult klRun = evaluateKlDivergence(*fp16, *run, windows);
        qInfo("%s: %zu tokens; ppl llama.cpp %.4f, ours on the same GGUF weights %.4f (ratio %.6f); "
              "max |dlogp| %.3g; KL(FP16||GGUF) %.5f, KL(FP16||run) %.5f nats; top-1 agreement GGUF %.3f run %.3f; "
              "linears %.3f bits/weight in the file, %d exact, %d requantized",
              qPrintable(model), ids.size(), pplLlama, pplOurs, pplLlama / pplOurs, maxDiff, klGguf.meanKl,
              klRun.meanKl, klGguf.top1Agreement, klRun.top1Agreement, exported.linearBits, exported.exact,
              exported.requantized);
        QVERIFY2(std::abs(pplLlama / pplOurs - 1) < 0.01, qPrintable(QStringLiteral("%1 vs %2").arg(pplLlama).arg(pplOurs)));
        QVERIFY(std::isfinite(klGguf.meanKl) && klGguf.meanKl > 0);
        QVERIFY(std::isfinite(klRun.meanKl) && klRun.meanKl > 0);
    }
};

QTEST_GUILESS_MAIN(TestGgufLlama)
#include "tst_ggufllama.moc"
