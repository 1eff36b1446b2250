// GGUF from quantization runs and from float models with a plan: per-tensor types with
// llama.cpp's fallbacks, metadata, the file's weights against the run's (the reported added
// error is the real one and smaller than the run's own quantization error), cancel.
#include "core/alloc/bit_plan.h"
#include "core/export/gguf_quant_export.h"
#include "core/export/gguf_weights.h"
#include "core/export/quantized_run_reader.h"
#include "core/io/checkpoint.h"
#include "core/io/gguf_reader.h"
#include "core/io/gguf_writer.h"
#include "core/io/half.h"
#include "core/model/model.h"
#include "core/util/error.h"
#include "tests/export/export_fixture.h"
#include "tests/support/tiny_checkpoint.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>

using namespace lieq;

namespace {

std::string tinyModel(QTemporaryDir &tmp, const std::string &arch, std::int64_t hidden, std::int64_t inter)
{
    test::TinyModelSpec spec;
    spec.arch = arch;
    spec.hidden = hidden;
    spec.intermediate = inter;
    spec.layers = 2;
    spec.heads = 4;
    spec.kvHeads = 2;
    spec.seed = 11;
    return test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("model")).toStdString(), spec);
}

double nmse(const std::vector<float> &a, const std::vector<float> &b)
{
    double e = 0, n = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        e += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        n += double(b[i]) * b[i];
    }
    return e / n;
}

std::vector<float> floats(const TensorView &v)
{
    std::vector<float> f(std::size_t(v.numel()));
    convertToFloat(v.dtype, v.data, f.data(), f.size());
    return f;
}

} // namespace

class TestGgufExport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { setComputeThreads(1); }

    void fromRun_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("hidden");
        QTest::addColumn<QList<int>>("bits");
        QTest::addColumn<QStringList>("types"); // per layer: attn_q type, ffn_down type
        QTest::newRow("llama 4+2") << "llama" << 256 << QList<int>{4, 2} << QStringList{"q4_K", "q4_K", "q2_K", "q2_K"};
        QTest::newRow("qwen3 3+8") << "qwen3" << 256 << QList<int>{3, 8} << QStringList{"q3_K", "q3_K", "q8_0", "q8_0"};
        QTest::newRow("llama 16+2") << "llama" << 256 << QList<int>{16, 2} << QStringList{"f16", "f16", "q2_K", "q2_K"};
        QTest::newRow("fallback 64") << "llama" << 64 << QList<int>{2, 4} << QStringList{"q4_0", "q4_0", "q4_0", "q4_0"};
    }
    void fromRun()
    {
        QFETCH(QString, arch);
        QFETCH(int, hidden);
        QFETCH(QList<int>, bits);
        QFETCH(QStringList, types);
        QTemporaryDir tmp;
        const std::string model = tinyModel(tmp, arch.toStdString(), hidden, 2 * hidden);
        test::RunSpec rs;
        rs.layerBits = {bits[0], bits[1]};
        const std::string runDir = test::quantizeRun(model, rs, tmp.filePath(QStringLiteral("run")).toStdString());
        const QuantizedRunReader run(runDir);
        const std::string out = tmp.filePath(QStringLiteral("out.gguf")).toStdString();
        const GgufQuantResult r = exportRunGguf(run, out);

        const GgufReader g(out);
        QCOMPARE(g.value("general.quantization_version").asUInt(), std::uint64_t(2));
        QCOMPARE(g.value("general.architecture").asString(), arch == QLatin1String("qwen3") ? std::string("qwen3") : std::string("llama"));
        for (int l = 0; l < 2; ++l) {
            const std::string p = "blk." + std::to_string(l) + ".";
            QCOMPARE(QString::fromLatin1(ggmlTypeName(GgmlType(g.tensor(p + "attn_q.weight").type))), types[2 * l]);
            QCOMPARE(QString::fromLatin1(ggmlTypeName(GgmlType(g.tensor(p + "ffn_down.weight").type))), types[2 * l + 1]);
            QCOMPARE(g.tensor(p + "attn_norm.weight").type, std::uint32_t(GgmlType::F32));
        }
        QCOMPARE(GgmlType(g.tensor("token_embd.weight").type), hidden % 256 == 0 ? GgmlType::Q6_K : GgmlType::Q8_0);

        // The file's weights against the run's: what the summary reports, and smaller than the
        // run's own error against the float model.
        ggufToCheckpoint(out, runDir, tmp.filePath(QStringLiteral("back")).toStdString());
        const Checkpoint back(tmp.filePath(QStringLiteral("back")).toStdString());
        const Checkpoint fp(model);
        int linears = 0;
        for (const GgufTensorReport &t : r.tensors) {
            const QuantizedModuleInfo *m = run.module(t.hfName.substr(0, t.hfName.size() - 7));
            if (!m)
                continue;
            ++linears;
            const std::vector<float> runW = dequantize(run.tensor(*m));
            const std::vector<float> file = floats(back.tensor(t.hfName));
            const double added = nmse(file, runW);
            QVERIFY2(std::abs(added - t.nmse) <= 1e-6 * std::max(1e-12, added) + 1e-15,
                     qPrintable(QString::fromStdString(t.hfName) + QStringLiteral(" %1 vs %2").arg(added).arg(t.nmse)));
            const double own = nmse(runW, floats(fp.tensor(t.hfName)));
            QVERIFY2(t.how == "requantized" || t.how == "exact", t.how.c_str());
            QVERIFY2(added < own, qPrintable(QString::fromStdString(t.hfName) + QStringLiteral(" added %1 own %2").arg(added).arg(own)));
            qInfo("%-32s %-5s added nmse %.3g (run's own %.3g)", t.hfName.c_str(), ggmlTypeName(t.type), added, own);
        }
        QCOMPARE(linears, 7 * (int(bits[0] != 16) + int(bits[1] != 16)));
        QCOMPARE(r.exact + r.requantized, linears);
        if (hidden % 256)
            for (const GgufTensorReport &t : r.tensors)
                if (t.planBits != 16 && t.type == GgmlType::Q4_0)
                    QVERIFY(t.note.find("Q4_0") != std::string::npos || t.note.find("q4_0") != std::string::npos);
    }

    void fromPlan()
    {
        QTemporaryDir tmp;
        const std::string model = tinyModel(tmp, "qwen3", 256, 512);
        auto m = Model::load(model);
        alloc::BitPlan plan = uniformPlan(*m, 4);
        plan.units[1].bits = 2;
        const std::string out = tmp.filePath(QStringLiteral("p.gguf")).toStdString();
        const GgufQuantResult r = exportPlannedGguf(Checkpoint(model), plan, out);
        const GgufReader g(out);
        QCOMPARE(GgmlType(g.tensor("blk.0.ffn_up.weight").type), GgmlType::Q4_K);
        QCOMPARE(GgmlType(g.tensor("blk.1.ffn_up.weight").type), GgmlType::Q2_K);
        QCOMPARE(g.value("general.file_type").asUInt(), std::uint64_t(GgufFileType::MostlyQ4_K_M)); // ties: the wider
        for (const GgufTensorReport &t : r.tensors)
            if (t.planBits != 16)
                QCOMPARE(t.how, std::string("quantized"));
        QVERIFY(r.linearBits > 2.5 && r.linearBits < 4.6);
    }

    void failureLeavesNoFile_data()
    {
        QTest::addColumn<QString>("failure");
        QTest::newRow("cancel") << "cancel";
        QTest::newRow("full disk") << "disk";
    }
    void failureLeavesNoFile()
    {
        QFETCH(QString, failure);
        QTemporaryDir tmp;
        const std::string model = tinyModel(tmp, "llama", 256, 512);
        test::RunSpec rs;
        rs.layerBits = {4, 2};
        const QuantizedRunReader run(test::quantizeRun(model, rs, tmp.filePath(QStringLiteral("run")).toStdString()));
        QTemporaryDir outDir;
        const std::string out = outDir.filePath(QStringLiteral("c.gguf")).toStdString();
        if (failure == QLatin1String("cancel")) {
            QVERIFY_THROWS_EXCEPTION(Cancelled, exportRunGguf(run, out, {}, [](const Progress &p) { return p.done < 5; }));
        } else {
            // Writes past RLIMIT_FSIZE fail with EFBIG, as a full disk fails with ENOSPC.
            const test::FileSizeLimit limit(64 * 1024);
            try {
                exportRunGguf(run, out);
                QFAIL("a write past the file size limit succeeded");
            } catch (const Error &e) {
                QVERIFY2(std::string(e.what()).find(out) != std::string::npos, e.what());
            }
        }
        QVERIFY(!std::filesystem::exists(out));
        QCOMPARE(int(QDir(outDir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden).size()), 0);
    }
};

QTEST_GUILESS_MAIN(TestGgufExport)
#include "tst_ggufexport.moc"
