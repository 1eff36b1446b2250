// Our runtime (core/model) against llama.cpp on the same weights exported as F32 GGUF:
// same top-1 token at every position and max |log-prob difference| < 1e-3.
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "core/model/model.h"
#include "tests/support/llama_reference.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>

using namespace lieq;

class TestLlamaAgreement : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { setComputeThreads(); }

    void agreement_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<bool>("llama3Rope");
        QTest::addColumn<int>("headDim");
        QTest::addColumn<bool>("tied");
        QTest::addColumn<QString>("dtype");
        QTest::newRow("llama llama3-rope") << "llama" << true << 0 << false << "F32";
        QTest::newRow("qwen3 head_dim 24") << "qwen3" << false << 24 << true << "F32";
        QTest::newRow("qwen2 biases") << "qwen2" << false << 0 << false << "F32";
        QTest::newRow("mistral bf16") << "mistral" << false << 0 << true << "BF16";
    }
    void agreement()
    {
        QFETCH(QString, arch);
        QFETCH(bool, llama3Rope);
        QFETCH(int, headDim);
        QFETCH(bool, tied);
        QFETCH(QString, dtype);
        lieq::test::TinyModelSpec spec;
        spec.arch = arch.toStdString();
        spec.llama3RopeScaling = llama3Rope;
        spec.headDim = headDim;
        spec.tied = tied;
        spec.dtype = *dtypeFromName(dtype.toStdString());
        spec.seed = 7;
        QTemporaryDir tmp;
        const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), spec);
        const std::string gguf = tmp.filePath(QStringLiteral("m.gguf")).toStdString();
        exportGguf(Checkpoint(dir), gguf); // F32: bf16 weights widen exactly

        // 40 positions: past llama3's original_max_position_embeddings (64 x scaled) is not
        // needed, the factors act per frequency at every position.
        std::vector<std::int32_t> ids;
        std::uint32_t s = 12345;
        auto model = Model::load(dir);
        const std::int64_t vocab = model->config().vocabSize;
        for (int i = 0; i < 40; ++i) {
            s = s * 1664525u + 1013904223u;
            ids.push_back(std::int32_t((s >> 8) % std::uint32_t(vocab)));
        }
        std::string why;
        const auto ref = lieq::test::llamaLogProbs(gguf, ids, &why);
        if (!ref)
            QSKIP(why.c_str());
        QCOMPARE(ref->vocab, vocab);
        const std::vector<float> logits = model->logits(ids);
        QCOMPARE(std::int64_t(logits.size()), std::int64_t(ids.size()) * vocab);
        double maxDiff = 0;
        int topMismatch = 0;
        for (std::size_t p = 0; p < ids.size(); ++p) {
            const float *row = logits.data() + p * vocab;
            const double mx = *std::max_element(row, row + vocab);
            double sum = 0;
            for (std::int64_t v = 0; v < vocab; ++v)
                sum += std::exp(double(row[v]) - mx);
            const double lse = mx + std::log(sum);
            std::int64_t arg = std::max_element(row, row + vocab) - row;
            if (arg != ref->top1[p])
                ++topMismatch;
            for (std::int64_t v = 0; v < vocab; ++v)
                maxDiff = std::max(maxDiff, std::fabs(double(row[v]) - lse - ref->logProbs[p * vocab + v]));
        }
        qInfo("%s: max |log-prob diff| vs llama.cpp = %.3g over %zu positions x %lld vocab, top-1 mismatches %d",
              qPrintable(arch), maxDiff, ids.size(), static_cast<long long>(vocab), topMismatch);
        QCOMPARE(topMismatch, 0);
        QVERIFY2(maxDiff < 1e-3, qPrintable(QString::number(maxDiff)));
    }
};

QTEST_GUILESS_MAIN(TestLlamaAgreement)
#include "tst_llama_agreement.moc"
