// Closing the loop with llama.cpp: this project's F16 GGUF export, quantized by llama.cpp itself
// (llama_model_quantize of npm node-llama-cpp's libllama) to each K-quant and Q4_0/Q8_0, then
// run through this project's runtime on the kernels (the GGUF tensors in place) and by
// llama.cpp (tests/node/llama_logits.mjs). Both must give the same log-probabilities within
// NMSE limits; the F16 file gives the runtimes' own agreement, and each quantized file must be
// far closer to llama.cpp on the same file than to the F16 model (so the quantized weights are
// really what runs).
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "core/model/model.h"
#include "core/quant/gguf_linears.h"
#include "core/util/error.h"
#include "tests/kernels/ggml_reference.h"
#include "tests/support/llama_reference.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace lieq;

namespace {

std::vector<double> logSoftmax(const std::vector<float> &logits, std::int64_t vocab)
{
    std::vector<double> out(logits.size());
    for (std::size_t r = 0; r < logits.size() / std::size_t(vocab); ++r) {
        const float *row = logits.data() + r * vocab;
        double max = -1e30, sum = 0;
        for (std::int64_t v = 0; v < vocab; ++v)
            max = std::max(max, double(row[v]));
        for (std::int64_t v = 0; v < vocab; ++v)
            sum += std::exp(double(row[v]) - max);
        for (std::int64_t v = 0; v < vocab; ++v)
            out[r * vocab + v] = double(row[v]) - max - std::log(sum);
    }
    return out;
}

template <typename A, typename B>
double nmse(const A &a, const B &b)
{
    double err = 0, ref = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        err += (double(a[i]) - double(b[i])) * (double(a[i]) - double(b[i]));
        ref += double(b[i]) * double(b[i]);
    }
    return err / ref;
}

} // namespace

class TestGgufKQuants : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    std::string m_dir[2], m_f16[2];
    const std::vector<std::int32_t> m_ids{1, 17, 42, 99, 5, 64, 23, 8, 150, 77, 3, 31};

    std::string model(int arch) const { return m_dir[arch]; }

private Q_SLOTS:
    void initTestCase()
    {
        // K-quant rows need multiples of 256 inputs: hidden 256, FFN 512, 4 heads of 64.
        for (int a = 0; a < 2; ++a) {
            test::TinyModelSpec spec;
            spec.arch = a == 0 ? "qwen3" : "llama";
            spec.dtype = DType::F16; // the F16 export is then exact
            spec.hidden = 256;
            spec.intermediate = 512;
            spec.heads = 4;
            spec.kvHeads = 2;
            spec.layers = 2;
            spec.seed = 7 + a;
            m_dir[a] = test::writeTinyCheckpoint(m_tmp.filePath(QString::fromStdString(spec.arch)).toStdString(), spec);
            m_f16[a] = m_dir[a] + ".f16.gguf";
            GgufExportOptions o;
            o.type = GgmlType::F16;
            exportGguf(Checkpoint(m_dir[a]), m_f16[a], o);
        }
    }

    void sameLogitsAsLlamaCpp_data()
    {
        QTest::addColumn<int>("arch");
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("name");
        QTest::addColumn<double>("limit");
        // Log-prob NMSE against llama.cpp on the same file. Both quantize activations the same
        // way (Q8_K / Q8_0); what remains is float summation order, attention and norms.
        const std::tuple<int, const char *, double> types[] = {
            {1, "f16", 1e-7}, {12, "q4_K", 1e-6}, {10, "q2_K", 1e-6}, {11, "q3_K", 1e-6},
            {14, "q6_K", 1e-6}, {2, "q4_0", 1e-6}, {8, "q8_0", 1e-6}};
        for (int a = 0; a < 2; ++a)
            for (auto [type, name, limit] : types)
                QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(a == 0 ? "qwen3" : "llama").arg(QLatin1String(name))))
                    << a << type << QString::fromLatin1(name) << limit;
    }

    void sameLogitsAsLlamaCpp()
    {
        QFETCH(int, arch);
        QFETCH(int, type);
        QFETCH(QString, name);
        QFETCH(double, limit);
        std::string gguf = m_f16[arch];
        if (type != 1) {
            gguf = m_dir[arch] + "." + name.toStdString() + ".gguf";
            const std::string why = test::llamaQuantizeGguf(m_f16[arch], gguf, type);
            if (!why.empty())
                QSKIP(why.c_str());
        }
        std::string why;
        const auto ref = test::llamaLogProbs(gguf, m_ids, &why);
        if (!ref)
            QSKIP(why.c_str());

        auto ours = loadModelWithGgufLinears(m_dir[arch], gguf);
        const std::int64_t vocab = ours->config().vocabSize;
        QCOMPARE(ref->vocab, vocab);
        const std::vector<double> lp = logSoftmax(ours->logits(m_ids), vocab);
        const double e = nmse(lp, ref->logProbs);
        auto fp = Model::load(m_dir[arch]);
        const double fromFp = nmse(lp, logSoftmax(fp->logits(m_ids), vocab));
        qInfo("%s: log-prob NMSE vs llama.cpp %.3g (limit %.1g); vs the F16 model %.3g", qPrintable(name),
              e, limit, fromFp);
        QVERIFY2(e < limit, qPrintable(QStringLiteral("NMSE %1").arg(e)));
        if (type != 1)
            QVERIFY2(e < 0.05 * fromFp, "the quantized weights do not seem to be what runs");
        int agree = 0;
        for (std::size_t p = 0; p < m_ids.size(); ++p) {
            const auto *row = lp.data() + p * vocab;
            agree += int(std::max_element(row, row + vocab) - row) == ref->top1[p];
        }
        QVERIFY(agree >= int(m_ids.size()) - 1);
    }

    void refusesMismatchedFile()
    {
        // The llama file's tensors against the qwen3 model: same shapes here, so use a file
        // of another width instead: a GGUF without the tensors.
        try {
            loadModelWithGgufLinears(m_dir[0], m_f16[0] + ".missing");
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral(".missing")), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestGgufKQuants)
#include "tst_ggufkquants.moc"
