// The llama.cpp reference harness itself: GGUFs we export load in llama.cpp and the script
// returns proper per-position distributions.
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "tests/support/llama_reference.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using namespace lieq;

namespace {
std::string exportModel(const QTemporaryDir &tmp, const lieq::test::TinyModelSpec &spec, GgmlType type,
                        const char *name)
{
    const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), spec);
    const std::string gguf = tmp.filePath(QString::fromLatin1(name)).toStdString();
    GgufExportOptions o;
    o.type = type;
    exportGguf(Checkpoint(dir), gguf, o);
    return gguf;
}
} // namespace

class TestLlamaHarness : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void distributionsPerPosition()
    {
        QTemporaryDir tmp;
        lieq::test::TinyModelSpec spec;
        spec.llama3RopeScaling = true;
        const std::string f32 = exportModel(tmp, spec, GgmlType::F32, "f32.gguf");
        const std::string f16 = exportModel(tmp, spec, GgmlType::F16, "f16.gguf");
        std::vector<std::int32_t> ids{5, 77, 300, 12, 9, 140, 201, 3};
        std::string why;
        const auto a = lieq::test::llamaLogProbs(f32, ids, &why);
        if (!a)
            QSKIP(why.c_str());
        QCOMPARE(a->positions, std::int64_t(ids.size()));
        QCOMPARE(a->vocab, Checkpoint(tmp.filePath(QStringLiteral("m")).toStdString()).config().vocabSize);
        for (std::int64_t p = 0; p < a->positions; ++p) {
            double sum = 0;
            std::int32_t arg = 0;
            for (std::int64_t v = 0; v < a->vocab; ++v) {
                const float lp = a->logProbs[p * a->vocab + v];
                QVERIFY(lp <= 0.0f);
                sum += std::exp(double(lp));
                if (lp > a->logProbs[p * a->vocab + arg])
                    arg = std::int32_t(v);
            }
            QVERIFY2(std::fabs(sum - 1.0) < 1e-4, qPrintable(QString::number(sum)));
            QCOMPARE(a->top1[p], arg);
        }
        // Causality: changing token 5 leaves positions 0..4 unchanged and changes position 5.
        auto changed = ids;
        changed[5] = 150;
        const auto b = lieq::test::llamaLogProbs(f32, changed);
        double before = 0, at = 0;
        for (std::int64_t v = 0; v < a->vocab; ++v) {
            before = std::max(before, double(std::fabs(a->logProbs[4 * a->vocab + v] - b->logProbs[4 * a->vocab + v])));
            at = std::max(at, double(std::fabs(a->logProbs[5 * a->vocab + v] - b->logProbs[5 * a->vocab + v])));
        }
        QVERIFY2(before < 1e-5, qPrintable(QString::number(before)));
        QVERIFY2(at > 1e-3, qPrintable(QString::number(at)));
        // F16 weights: close to F32 but not bit-identical (the export really wrote F16).
        const auto h = lieq::test::llamaLogProbs(f16, ids);
        double maxDiff = 0;
        for (std::size_t i = 0; i < a->logProbs.size(); ++i)
            maxDiff = std::max(maxDiff, double(std::fabs(a->logProbs[i] - h->logProbs[i])));
        qInfo("F16 vs F32 GGUF: max |log-prob diff| = %g", maxDiff);
        QVERIFY(maxDiff > 0 && maxDiff < 0.05);
    }
};

QTEST_GUILESS_MAIN(TestLlamaHarness)
#include "tst_llama_harness.moc"
