// GPTQ checkpoints from quantization runs: config and dynamic overrides, sharding, our reader
// gets every module back bit for bit and our runtime runs the file's own tensors with the run's
// exact logits, an independent numpy dequantizer reproduces the weights, v1/v2 zero points,
// refusals and runtime warnings.
#include "core/export/gptq_checkpoint.h"
#include "core/export/gptq_export.h"
#include "core/export/quantized_run_reader.h"
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "core/model/model.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "kernels/row_codes.h"
#include "tests/export/export_fixture.h"
#include "tests/support/tiny_checkpoint.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <filesystem>
#include <list>
#include <regex>
#include <set>

using namespace lieq;
namespace fs = std::filesystem;

namespace {

std::string tinyModel(QTemporaryDir &tmp, std::int64_t hidden, std::int64_t inter, int layers = 2)
{
    test::TinyModelSpec spec;
    spec.arch = "qwen3";
    spec.hidden = hidden;
    spec.intermediate = inter;
    spec.layers = layers;
    spec.dtype = DType::F16; // the GPTQ file's F16 float tensors then equal the run's exactly
    spec.seed = 5;
    return test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("model")).toStdString(), spec);
}

void expectSame(const QuantizedTensor &a, const QuantizedTensor &b, const std::string &what)
{
    QVERIFY2(a.rows == b.rows && a.cols == b.cols && a.bits == b.bits, what.c_str());
    QVERIFY2(a.codes == b.codes, (what + ": codes").c_str());
    QVERIFY2(a.zeros == b.zeros, (what + ": zeros").c_str());
    QVERIFY2(a.gIdx == b.gIdx, (what + ": g_idx").c_str());
    QVERIFY2(std::memcmp(a.scales.data(), b.scales.data(), a.scales.size() * 4) == 0, (what + ": scales").c_str());
}

// Runs the independent dequantizer; empty object when python3 + numpy are missing.
nlohmann::json numpyDequantize(const std::string &gptqDir, const QuantizedRunReader &run, QTemporaryDir &tmp)
{
    const std::string ref = tmp.filePath(QStringLiteral("ref")).toStdString();
    fs::create_directories(ref);
    for (const auto &m : run.modules()) {
        const std::vector<float> w = dequantize(run.tensor(m));
        writeFileAtomic(ref + "/" + m.stem + ".f32", std::string_view(reinterpret_cast<const char *>(w.data()), w.size() * 4));
    }
    const QString out = tmp.filePath(QStringLiteral("dequant.json"));
    QProcess p;
    p.start(QStringLiteral("/usr/bin/python3"),
            {QStringLiteral(LIEQ_SOURCE_DIR "/tests/export/gptq_dequant.py"), QString::fromStdString(gptqDir),
             QString::fromStdString(ref), out});
    if (!p.waitForFinished(300000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        const QByteArray err = p.readAllStandardError();
        if (err.contains("No module named 'numpy'") || p.error() == QProcess::FailedToStart)
            return nlohmann::json::object();
        qFatal("gptq_dequant.py failed: %s", err.constData());
    }
    return nlohmann::json::parse(readFile(out.toStdString()));
}

std::vector<float> logits(const std::string &dir, const std::vector<std::int32_t> &ids)
{
    return loadAnyModel(dir)->logits(ids);
}

// A format-1 run folder holding `run`'s modules with module 0's first zero point set to 0.
std::string formatOneWithZero(const QuantizedRunReader &run, const std::string &dir)
{
    fs::create_directories(dir);
    for (const char *f : {"config.json", "tokenizer.json", "tokenizer_config.json"})
        if (fs::exists(fs::path(run.dir()) / f))
            fs::copy_file(fs::path(run.dir()) / f, fs::path(dir) / f);
    std::list<std::vector<std::uint8_t>> keep;
    std::vector<TensorToWrite> out;
    auto add = [&](const std::string &name, DType t, std::vector<std::int64_t> shape, const void *p, std::size_t n) {
        auto &b = keep.emplace_back(n);
        std::memcpy(b.data(), p, n);
        out.push_back({name, t, std::move(shape), b.data(), n});
    };
    for (const std::string &n : run.checkpoint().tensorNames()) {
        const TensorView &v = run.checkpoint().tensor(n);
        if (v.dtype != DType::I32 && n.find(".scales") == std::string::npos)
            add(n, v.dtype, v.shape, v.data, v.nbytes);
    }
    nlohmann::json modules = nlohmann::json::object();
    bool first = true;
    for (const auto &m : run.modules()) {
        QuantizedTensor q = run.tensor(m);
        if (first) {
            for (std::int64_t c = 0; c < q.cols; ++c) // re-grid group 0 of row 0 so that zero 0 is exact
                if (q.gIdx[c] == 0)
                    q.codes[c] = std::uint8_t(std::min<int>(q.maxq(), q.codes[c] - q.zeros[0] < 0 ? 0 : q.codes[c] - q.zeros[0]));
            q.zeros[0] = 0;
            first = false;
        }
        std::vector<std::uint8_t> codes(std::size_t(q.rows * kernels::rowCodesBytes(q.cols, q.bits)));
        kernels::packRowCodes(q.codes.data(), q.rows, q.cols, q.bits, codes.data());
        add(m.stem + ".qcodes", DType::U8, {q.rows, kernels::rowCodesBytes(q.cols, q.bits)}, codes.data(), codes.size());
        add(m.stem + ".scales", DType::F32, {q.rows, q.numGroups}, q.scales.data(), q.scales.size() * 4);
        add(m.stem + ".qzeros", DType::U8, {q.rows, q.numGroups}, q.zeros.data(), q.zeros.size());
        add(m.stem + ".g_idx", DType::I32, {q.cols}, q.gIdx.data(), q.gIdx.size() * 4);
        modules[m.stem] = {{"layer", m.layer}, {"projection", m.projection}, {"bits", m.bits}, {"rows", m.rows},
                           {"cols", m.cols}, {"group_size", m.groupSize}, {"num_groups", q.numGroups},
                           {"sym", m.symmetric}, {"act_order", false}};
    }
    writeSafetensors(dir + "/model.safetensors", out);
    writeFileAtomic(dir + "/quantization_config.json",
                    nlohmann::json{{"format", "lieq-quantized"}, {"format_version", 1}, {"quant_method", "rtn"},
                                   {"source_model", run.sourceModel()}, {"modules", modules}}.dump());
    return dir;
}

} // namespace

class TestGptqExport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { setComputeThreads(1); }

    void exportReadRun_data()
    {
        QTest::addColumn<QList<int>>("bits");
        QTest::addColumn<bool>("sym");
        QTest::addColumn<int>("base");
        QTest::newRow("4 2 16, asym") << QList<int>{4, 2, 4, 16} << false << 4;
        QTest::newRow("3 8, sym") << QList<int>{3, 3, 8, 3} << true << 3;
    }
    void exportReadRun()
    {
        QFETCH(QList<int>, bits);
        QFETCH(bool, sym);
        QFETCH(int, base);
        QTemporaryDir tmp;
        const std::string model = tinyModel(tmp, 256, 512, int(bits.size()));
        test::RunSpec rs;
        rs.layerBits.assign(bits.begin(), bits.end());
        rs.symmetric = sym;
        const std::string runDir = test::quantizeRun(model, rs, tmp.filePath(QStringLiteral("run")).toStdString());
        const QuantizedRunReader run(runDir);
        GptqExportOptions o;
        o.shardBytes = 300'000; // several shards and an index
        const std::string out = tmp.filePath(QStringLiteral("gptq")).toStdString();
        const GptqExportResult r = exportRunGptq(run, out, o);
        QCOMPARE(r.checkpointFormat, std::string("gptq"));
        QCOMPARE(r.baseBits, base);
        const auto index = nlohmann::json::parse(readFile(out + "/model.safetensors.index.json"));
        std::set<std::string> shardFiles;
        for (const auto &[tensor, file] : index.at("weight_map").items())
            shardFiles.insert(file.get<std::string>());
        QVERIFY(shardFiles.size() > 1);
        for (const std::string &f : shardFiles) {
            QVERIFY2(std::regex_match(f, std::regex(R"(model-\d{5}-of-\d{5}\.safetensors)")), f.c_str());
            QVERIFY2(fs::exists(out + "/" + f), f.c_str());
        }
        const auto config = nlohmann::json::parse(readFile(out + "/config.json"));
        const auto qc = config.at("quantization_config");
        QCOMPARE(qc.at("bits").get<int>(), base);
        QCOMPARE(qc.at("group_size").get<int>(), 128);
        QCOMPARE(qc.at("sym").get<bool>(), sym);
        QCOMPARE(qc.at("checkpoint_format").get<std::string>(), std::string("gptq"));
        QVERIFY(nlohmann::json::parse(readFile(out + "/quantize_config.json")) == qc);
        const bool warnsVllm = std::any_of(r.warnings.begin(), r.warnings.end(),
                                           [](const std::string &w) { return w.find("vLLM") != std::string::npos; });
        QVERIFY(warnsVllm); // 2 or 3 bits in both plans

        // Our reader: every module bit for bit, with the bits the config's patterns give it.
        const GptqCheckpointReader back(out);
        QCOMPARE(back.modules().size(), run.modules().size());
        for (const auto &m : run.modules()) {
            expectSame(back.tensor(m.stem), run.tensor(m), m.stem);
            QCOMPARE(back.configBits(m.stem), m.bits);
        }
        if (bits.contains(16))
            QCOMPARE(back.configBits("model.layers.3.mlp.down_proj"), 16);

        // Our runtime runs the file's own tensors: the same logits as the run's checkpoint.
        const std::string runnable = tmp.filePath(QStringLiteral("runnable")).toStdString();
        back.writeRunnableCopy(runnable);
        const std::vector<std::int32_t> ids{1, 5, 9, 14, 2, 7, 30, 41, 3, 8};
        QCOMPARE(logits(runnable, ids), logits(runDir, ids));

        // An independent dequantizer written from the format description.
        const auto dq = numpyDequantize(out, run, tmp);
        if (dq.empty())
            QSKIP("python3-numpy is not installed (packaging/install-deps.sh installs it)");
        QVERIFY(dq.at("shards").get<int>() > 1);
        QCOMPARE(dq.at("modules").size(), run.modules().size());
        for (const auto &[stem, e] : dq.at("modules").items()) {
            QVERIFY2(e.at("mismatches").get<int>() == 0 && e.at("max_abs").get<double>() == 0, stem.c_str());
            QCOMPARE(e.at("config_bits").get<int>(), e.at("bits").get<int>());
            QCOMPARE(e.at("fused_config_bits").get<int>(), e.at("bits").get<int>()); // vLLM's fused names too
        }
    }

    void zeroPointZero_data()
    {
        QTest::addColumn<int>("format");
        QTest::newRow("v1 refuses") << int(GptqFormat::V1);
        QTest::newRow("auto writes v2") << int(GptqFormat::Auto);
    }
    void zeroPointZero()
    {
        QFETCH(int, format);
        QTemporaryDir tmp;
        const std::string model = tinyModel(tmp, 256, 512);
        test::RunSpec rs;
        rs.layerBits = {4, 4};
        const QuantizedRunReader real(test::quantizeRun(model, rs, tmp.filePath(QStringLiteral("run")).toStdString()));
        const QuantizedRunReader run(formatOneWithZero(real, tmp.filePath(QStringLiteral("f1")).toStdString()));
        QCOMPARE(run.formatVersion(), 1);
        GptqExportOptions o;
        o.format = GptqFormat(format);
        const std::string out = tmp.filePath(QStringLiteral("gptq")).toStdString();
        if (o.format == GptqFormat::V1) {
            try {
                exportRunGptq(run, out, o);
                QFAIL("v1 accepted a zero point of 0");
            } catch (const Error &e) {
                QVERIFY2(std::string(e.what()).find("zero point 0") != std::string::npos, e.what());
            }
            QVERIFY(!fs::exists(out));
            return;
        }
        const GptqExportResult r = exportRunGptq(run, out, o);
        QCOMPARE(r.checkpointFormat, std::string("gptq_v2"));
        QCOMPARE(r.zeroPointZeroGroups, std::int64_t(1));
        const GptqCheckpointReader back(out);
        QVERIFY(back.v2());
        for (const auto &m : run.modules())
            expectSame(back.tensor(m.stem), run.tensor(m), m.stem);
        const auto dq = numpyDequantize(out, run, tmp);
        if (dq.empty())
            QSKIP("python3-numpy is not installed");
        for (const auto &[stem, e] : dq.at("modules").items())
            QVERIFY2(e.at("mismatches").get<int>() == 0, stem.c_str());
    }

    void shapesGptqCannotHold()
    {
        QTemporaryDir tmp;
        const std::string model = tinyModel(tmp, 64, 172); // down_proj in_features 172
        test::RunSpec rs;
        rs.layerBits = {4, 4};
        rs.groupSize = 64;
        const QuantizedRunReader run(test::quantizeRun(model, rs, tmp.filePath(QStringLiteral("run")).toStdString()));
        try {
            exportRunGptq(run, tmp.filePath(QStringLiteral("g")).toStdString());
            QFAIL("accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("multiple of 32") != std::string::npos, e.what());
        }
    }

    // Cancel or a full disk mid-write: no output folder, no temporary folder left behind, and an
    // earlier export at the target stays as it was.
    void failureLeavesNothing_data()
    {
        QTest::addColumn<QString>("failure");
        QTest::addColumn<bool>("earlier");
        QTest::newRow("cancel") << "cancel" << false;
        QTest::newRow("full disk") << "disk" << false;
        QTest::newRow("full disk over an earlier export") << "disk" << true;
    }
    void failureLeavesNothing()
    {
        QFETCH(QString, failure);
        QFETCH(bool, earlier);
        QTemporaryDir tmp;
        const std::string model = tinyModel(tmp, 256, 512);
        test::RunSpec rs;
        rs.layerBits = {4, 2};
        const QuantizedRunReader run(test::quantizeRun(model, rs, tmp.filePath(QStringLiteral("run")).toStdString()));
        QTemporaryDir outDir;
        const std::string out = outDir.filePath(QStringLiteral("gptq")).toStdString();
        std::string before;
        if (earlier) {
            exportRunGptq(run, out);
            before = readFile(out + "/config.json");
        }
        if (failure == QLatin1String("cancel")) {
            QVERIFY_THROWS_EXCEPTION(Cancelled, exportRunGptq(run, out, {}, [](const Progress &p) { return p.done < 3; }));
        } else {
            GptqExportOptions o;
            o.shardBytes = 100'000;
            const test::FileSizeLimit limit(64 * 1024);
            try {
                exportRunGptq(run, out, o);
                QFAIL("a write past the file size limit succeeded");
            } catch (const Error &e) {
                QVERIFY2(std::string(e.what()).find(out) != std::string::npos, e.what());
            }
        }
        const auto left = QDir(outDir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden);
        QCOMPARE(left, earlier ? QStringList{QStringLiteral("gptq")} : QStringList{});
        if (earlier)
            QCOMPARE(readFile(out + "/config.json"), before);
    }

    void dynamicPatterns_data()
    {
        QTest::addColumn<QString>("plan");      // layer:proj=bits,...
        QTest::addColumn<int>("base");
        QTest::addColumn<QStringList>("names"); // name=expected bits (base when no pattern matches)
        QTest::addColumn<bool>("vllmWarning");
        QTest::newRow("per layer")
            << "0:*=4,1:*=2,2:*=16" << 4
            << QStringList{"model.layers.1.self_attn.qkv_proj=2", "model.layers.1.mlp.down_proj=2",
                           "model.layers.2.mlp.gate_up_proj=16", "model.layers.0.self_attn.o_proj=4",
                           "model.layers.11.self_attn.q_proj=4"}
            << false;
        QTest::newRow("fused groups")
            << "0:q=8,0:k=8,0:v=8,0:o=4,0:gate=3,0:up=3,0:down=4" << 4
            << QStringList{"model.layers.0.self_attn.qkv_proj=8", "model.layers.0.self_attn.k_proj=8",
                           "model.layers.0.mlp.gate_up_proj=3", "model.layers.0.mlp.down_proj=4",
                           "model.layers.0.self_attn.o_proj=4"}
            << false;
        QTest::newRow("split qkv") << "0:q=8,0:k=4,0:v=4,0:o=4,0:gate=4,0:up=4,0:down=4" << 4
                                   << QStringList{"model.layers.0.self_attn.q_proj=8", "model.layers.0.self_attn.qkv_proj=4"}
                                   << true;
    }
    void dynamicPatterns()
    {
        QFETCH(QString, plan);
        QFETCH(int, base);
        QFETCH(QStringList, names);
        QFETCH(bool, vllmWarning);
        std::map<std::string, int> modules;
        const char *projs[] = {"q", "k", "v", "o", "gate", "up", "down"};
        for (const QString &item : plan.split(QLatin1Char(','))) {
            const int layer = item.section(QLatin1Char(':'), 0, 0).toInt();
            const QString proj = item.section(QLatin1Char(':'), 1).section(QLatin1Char('='), 0, 0);
            const int bits = item.section(QLatin1Char('='), 1).toInt();
            for (const char *p : projs)
                if (proj == QLatin1String("*") || proj == QLatin1String(p))
                    modules["model.layers." + std::to_string(layer) + (std::string(p) == "gate" || std::string(p) == "up" || std::string(p) == "down" ? ".mlp." : ".self_attn.") + p + "_proj"] = bits;
        }
        std::vector<std::string> warnings;
        const auto patterns = gptqDynamicPatterns(modules, base, &warnings);
        for (const QString &n : names) {
            const std::string name = n.section(QLatin1Char('='), 0, 0).toStdString();
            const int expected = n.section(QLatin1Char('='), 1).toInt();
            int got = base;
            for (const auto &[pattern, bits] : patterns)
                if (std::regex_search(name, std::regex(pattern.substr(2)), std::regex_constants::match_continuous)) {
                    got = bits;
                    break;
                }
            QVERIFY2(got == expected, qPrintable(n + QStringLiteral(" got %1").arg(got)));
        }
        QCOMPARE(!warnings.empty(), vllmWarning);
    }
};

QTEST_GUILESS_MAIN(TestGptqExport)
#include "tst_gptqexport.moc"
