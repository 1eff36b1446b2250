#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "core/io/gguf_reader.h"
#include "core/io/gguf_vocab.h"
#include "core/io/gguf_writer.h"
#include "core/io/half.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <cstring>
#include <filesystem>

using namespace lieq;
using lieq::test::TinyModelSpec;
namespace fs = std::filesystem;

namespace {
std::vector<float> hfFloats(const Checkpoint &c, const std::string &name)
{
    const auto &v = c.tensor(name);
    std::vector<float> f(static_cast<std::size_t>(v.numel()));
    convertToFloat(v.dtype, v.data, f.data(), f.size());
    return f;
}

std::string exportTiny(const QTemporaryDir &tmp, const TinyModelSpec &spec, GgmlType type, std::string *dirOut = nullptr)
{
    const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), spec);
    const std::string out = tmp.filePath(QStringLiteral("m.gguf")).toStdString();
    GgufExportOptions o;
    o.type = type;
    exportGguf(Checkpoint(dir), out, o);
    if (dirOut)
        *dirOut = dir;
    return out;
}
} // namespace

class TestGguf : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void writerReaderRoundTrip()
    {
        QTemporaryDir tmp;
        const std::string path = tmp.filePath(QStringLiteral("t.gguf")).toStdString();
        GgufWriter w;
        w.addString("general.architecture", "llama");
        w.addUInt32("a.u32", 4000000000u);
        w.addInt32("a.i32", -7);
        w.addFloat32("a.f32", 0.5f);
        w.addBool("a.bool", true);
        w.addStringArray("a.strings", {"x", "", "ünï"});
        w.addFloat32Array("a.floats", {1.f, -2.f});
        w.addInt32Array("a.ints", {3, -4});
        QVERIFY_THROWS_EXCEPTION(Error, w.addBool("a.bool", false));
        const float m[6] = {1, 2, 3, 4, 5, 6};
        w.addTensor("m", GgmlType::F32, {2, 3}, [&](std::byte *d, std::size_t n) { std::memcpy(d, m, n); });
        w.addTensor("v", GgmlType::F16, {5}, [](std::byte *d, std::size_t n) {
            for (std::size_t i = 0; i < n / 2; ++i) {
                const std::uint16_t h = floatToHalf(float(i) * 0.25f);
                std::memcpy(d + 2 * i, &h, 2);
            }
        });
        w.write(path);
        GgufReader r(path);
        QCOMPARE(r.version(), 3u);
        QCOMPARE(r.value("general.architecture").asString(), std::string("llama"));
        QCOMPARE(r.value("a.u32").asUInt(), std::uint64_t(4000000000u));
        QCOMPARE(r.value("a.u32").type, GgufValueType::U32);
        QCOMPARE(r.value("a.i32").asInt(), std::int64_t(-7));
        QCOMPARE(r.value("a.f32").asDouble(), 0.5);
        QVERIFY(r.value("a.bool").asBool());
        QCOMPARE(r.value("a.strings").strings, (std::vector<std::string>{"x", "", "ünï"}));
        QCOMPARE(r.value("a.floats").numbers, (std::vector<double>{1, -2}));
        QCOMPARE(r.value("a.ints").arrayType, GgufValueType::I32);
        QCOMPARE(r.value("a.ints").numbers, (std::vector<double>{3, -4}));
        QCOMPARE(r.tensors().size(), std::size_t(2));
        QCOMPARE(r.tensor("m").shape, (std::vector<std::int64_t>{2, 3}));
        QCOMPARE(r.tensorAsFloat("m"), std::vector<float>(m, m + 6));
        QCOMPARE(r.tensorAsFloat("v"), (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1.0f}));
        for (const auto &t : r.tensors())
            QCOMPARE(reinterpret_cast<std::uintptr_t>(t.data) % 32, std::uintptr_t(0));
        QCOMPARE(fs::file_size(path) % 32, std::uintmax_t(0));
    }

    void readerRejectsDamage()
    {
        QTemporaryDir tmp;
        const std::string path = tmp.filePath(QStringLiteral("t.gguf")).toStdString();
        GgufWriter w;
        w.addStringArray("k", {"abc", "def"});
        const float m[8] = {};
        w.addTensor("m", GgmlType::F32, {8}, [&](std::byte *d, std::size_t n) { std::memcpy(d, m, n); });
        w.write(path);
        const std::string good = readFile(path);
        writeFileAtomic(path, good.substr(0, good.size() - 4));
        QVERIFY_THROWS_EXCEPTION(Error, GgufReader{path}); // data past the end
        writeFileAtomic(path, good.substr(0, 40));
        QVERIFY_THROWS_EXCEPTION(Error, GgufReader{path}); // metadata cut
        writeFileAtomic(path, "GGML" + good.substr(4));
        QVERIFY_THROWS_EXCEPTION(Error, GgufReader{path});
    }

    void exportLayout_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<bool>("f16");
        QTest::addColumn<bool>("tied");
        QTest::newRow("llama f32 llama3 rope") << "llama" << false << false;
        QTest::newRow("llama f16 tied") << "llama" << true << true;
        QTest::newRow("mistral f32") << "mistral" << false << false;
        QTest::newRow("qwen2 f32 biases") << "qwen2" << false << true;
        QTest::newRow("qwen3 f16 head_dim") << "qwen3" << true << false;
    }
    void exportLayout()
    {
        QFETCH(QString, arch);
        QFETCH(bool, f16);
        QFETCH(bool, tied);
        TinyModelSpec spec;
        spec.arch = arch.toStdString();
        spec.tied = tied;
        spec.dtype = DType::BF16;
        spec.headDim = arch == QStringLiteral("qwen3") ? 24 : 0;
        spec.llama3RopeScaling = arch == QStringLiteral("llama") && !tied;
        QTemporaryDir tmp;
        std::string dir;
        const std::string path = exportTiny(tmp, spec, f16 ? GgmlType::F16 : GgmlType::F32, &dir);
        Checkpoint ckpt(dir);
        const ModelConfig &c = ckpt.config();
        GgufReader r(path);
        const std::string ga = arch == QStringLiteral("mistral") ? "llama" : spec.arch;
        QCOMPARE(r.value("general.architecture").asString(), ga);
        QCOMPARE(r.value(ga + ".block_count").asUInt(), std::uint64_t(c.numLayers));
        QCOMPARE(r.value(ga + ".embedding_length").asUInt(), std::uint64_t(c.hiddenSize));
        QCOMPARE(r.value(ga + ".feed_forward_length").asUInt(), std::uint64_t(c.intermediateSize));
        QCOMPARE(r.value(ga + ".attention.head_count").asUInt(), std::uint64_t(c.numHeads));
        QCOMPARE(r.value(ga + ".attention.head_count_kv").asUInt(), std::uint64_t(c.numKvHeads));
        QCOMPARE(r.value(ga + ".attention.key_length").asUInt(), std::uint64_t(c.headDim));
        QCOMPARE(r.value(ga + ".rope.dimension_count").asUInt(), std::uint64_t(c.headDim));
        QCOMPARE(float(r.value(ga + ".attention.layer_norm_rms_epsilon").asDouble()), float(c.rmsNormEps));
        QCOMPARE(r.value("general.file_type").asUInt(), std::uint64_t(f16 ? 1 : 0));
        QCOMPARE(r.value("tokenizer.ggml.model").asString(), std::string("gpt2"));
        QCOMPARE(r.value("tokenizer.ggml.tokens").strings.size(), std::size_t(c.vocabSize));
        QCOMPARE(r.value("tokenizer.ggml.eos_token_id").asUInt(), std::uint64_t(c.eosTokenIds.front()));
        QVERIFY(!r.value("tokenizer.ggml.merges").strings.empty());

        // One GGUF tensor per HF tensor (+ rope_freqs), output only when untied.
        QCOMPARE(r.tensors().size(), ckpt.tensorNames().size() + (spec.llama3RopeScaling ? 1 : 0));
        const bool hasOutput = std::any_of(r.tensors().begin(), r.tensors().end(),
                                           [](const auto &t) { return t.name == "output.weight"; });
        QCOMPARE(hasOutput, !tied);
        QCOMPARE(r.tensor("token_embd.weight").shape, (std::vector<std::int64_t>{c.vocabSize, c.hiddenSize}));
        QCOMPARE(r.tensor("blk.1.ffn_down.weight").type, std::uint32_t(f16 ? 1 : 0));
        QCOMPARE(r.tensor("blk.1.attn_norm.weight").type, std::uint32_t(0)); // 1-D stays F32
        if (arch == QStringLiteral("qwen3")) {
            QCOMPARE(r.tensor("blk.0.attn_q_norm.weight").shape, (std::vector<std::int64_t>{24}));
            QCOMPARE(r.tensor("blk.0.attn_q.weight").shape, (std::vector<std::int64_t>{4 * 24, 64}));
        }
        if (arch == QStringLiteral("qwen2"))
            QCOMPARE(r.tensorAsFloat("blk.0.attn_k.bias"), hfFloats(ckpt, "model.layers.0.self_attn.k_proj.bias"));
        if (spec.llama3RopeScaling)
            QCOMPARE(r.tensorAsFloat("rope_freqs.weight"), llama3RopeFactors(c));

        // q/k: llama-family rows permuted to llama.cpp's layout, qwen untouched; v never.
        const bool permuted = ga == "llama";
        const double tol = f16 ? 1e-3 : 0.0;
        for (const char *p : {"q", "k", "v"}) {
            const auto hf = hfFloats(ckpt, std::string("model.layers.1.self_attn.") + p + "_proj.weight");
            const auto gg = r.tensorAsFloat(std::string("blk.1.attn_") + p + ".weight");
            const std::int64_t cols = c.hiddenSize, rows = std::int64_t(hf.size()) / cols;
            const bool moved = permuted && *p != 'v';
            const auto order = moved ? llamaQkRowOrder(rows, c.headDim) : std::vector<std::int64_t>{};
            for (std::int64_t row = 0; row < rows; ++row) {
                const std::int64_t src = moved ? order[row] : row;
                for (std::int64_t col = 0; col < cols; ++col) {
                    const float a = gg[row * cols + col], b = hf[src * cols + col];
                    if (std::fabs(a - b) > tol * std::fabs(b) + 1e-7)
                        QFAIL(qPrintable(QStringLiteral("%1 row %2 col %3: %4 vs %5").arg(QLatin1String(p)).arg(row).arg(col).arg(a).arg(b)));
                }
            }
        }
    }

    void qkRowOrder()
    {
        // One head of 4 rows: HF halves [r0 r1 | r2 r3] interleave to r0 r2 r1 r3.
        QCOMPARE(llamaQkRowOrder(4, 4), (std::vector<std::int64_t>{0, 2, 1, 3}));
        QCOMPARE(llamaQkRowOrder(8, 4), (std::vector<std::int64_t>{0, 2, 1, 3, 4, 6, 5, 7}));
        QCOMPARE(llamaQkRowOrder(6, 6), (std::vector<std::int64_t>{0, 3, 1, 4, 2, 5}));
    }

    void ropeFactors()
    {
        ModelConfig c;
        c.headDim = 64;
        c.ropeTheta = 500000;
        c.ropeScaling.type = "llama3";
        c.ropeScaling.factor = 8;
        c.ropeScaling.originalMaxPositionEmbeddings = 8192;
        const auto f = llama3RopeFactors(c);
        QCOMPARE(f.size(), std::size_t(32));
        QCOMPARE(f.front(), 1.0f);  // highest frequency untouched
        QCOMPARE(f.back(), 8.0f);   // lowest frequency divided by the factor
        for (std::size_t i = 1; i < f.size(); ++i)
            QVERIFY(f[i] >= f[i - 1]); // smooth, monotone in between
        QVERIFY(std::any_of(f.begin(), f.end(), [](float x) { return x > 1.0f && x < 8.0f; }));
    }

    void vocabByteLevel()
    {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        std::int64_t n = 0, bos = 0, eos = 0;
        writeFileAtomic(dir + "/tokenizer.json",
                        lieq::test::tinyTokenizerJson(lieq::test::TinyTokenizer::ByteLevel, 20, &n, &bos, &eos));
        const auto v = GgufVocab::fromTokenizerJson(dir + "/tokenizer.json", n + 3);
        QCOMPARE(v.model, std::string("gpt2"));
        QCOMPARE(v.pre, std::string("gpt-2"));
        QCOMPARE(v.tokens.size(), std::size_t(n + 3));
        QCOMPARE(v.tokens[n + 1], "[PAD" + std::to_string(n + 1) + "]");
        QCOMPARE(v.tokenTypes[n + 1], std::int32_t(GgufVocab::Unused));
        QCOMPARE(v.tokenTypes[bos], std::int32_t(GgufVocab::Control));
        QCOMPARE(v.tokens[bos], std::string("<|begin_of_text|>"));
        QCOMPARE(v.tokens[32], std::string("\xc4\xa0")); // byte 0x20 is "Ġ" in byte-level vocabularies
        QCOMPARE(v.merges.size(), std::size_t(20));
        QVERIFY(v.scores.empty());
        QVERIFY_THROWS_EXCEPTION(Error, GgufVocab::fromTokenizerJson(dir + "/tokenizer.json", n - 1));
    }

    void vocabSentencePiece()
    {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        std::int64_t n = 0, bos = 0, eos = 0;
        writeFileAtomic(dir + "/tokenizer.json",
                        lieq::test::tinyTokenizerJson(lieq::test::TinyTokenizer::SentencePiece, 20, &n, &bos, &eos));
        const auto v = GgufVocab::fromTokenizerJson(dir + "/tokenizer.json", n);
        QCOMPARE(v.model, std::string("llama"));
        QCOMPARE(v.unk.value(), std::int64_t(0));
        QCOMPARE(v.tokenTypes[0], std::int32_t(GgufVocab::Unknown));
        QCOMPARE(v.tokenTypes[1], std::int32_t(GgufVocab::Control));
        QCOMPARE(v.tokens[3 + 0x41], std::string("<0x41>"));
        QCOMPARE(v.tokenTypes[3 + 0x41], std::int32_t(GgufVocab::Byte));
        QCOMPARE(v.scores.size(), std::size_t(n));
        // The first merge's result has the highest score among merged tokens.
        QCOMPARE(*std::min_element(v.scores.begin(), v.scores.end()), -20.0f);
        QVERIFY(v.addBos);
    }

    void vocabStories260K()
    {
        LIEQ_REQUIRE_SHARED(dir, "models/stories260K-hf");
        const auto v = GgufVocab::fromTokenizerJson(dir + "/tokenizer.json", 512, dir + "/tokenizer_config.json");
        QCOMPARE(v.model, std::string("llama"));
        QCOMPARE(v.tokens.size(), std::size_t(512));
        QCOMPARE(v.tokens[1], std::string("<s>"));
        QCOMPARE(v.tokenTypes[3], std::int32_t(GgufVocab::Byte));
    }

    void exportErrors()
    {
        QTemporaryDir tmp;
        TinyModelSpec spec;
        spec.tokenizer = lieq::test::TinyTokenizer::None;
        const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), spec);
        const std::string out = tmp.filePath(QStringLiteral("x.gguf")).toStdString();
        try {
            exportGguf(Checkpoint(dir), out);
            QFAIL("exported without a tokenizer");
        } catch (const Error &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("tokenizer.json")), e.what());
        }
        QVERIFY(!fs::exists(out));
    }

    void cancelLeavesNoFile()
    {
        QTemporaryDir tmp;
        const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), {});
        const std::string out = tmp.filePath(QStringLiteral("x.gguf")).toStdString();
        int calls = 0;
        QVERIFY_THROWS_EXCEPTION(Cancelled, exportGguf(Checkpoint(dir), out, {}, [&](const Progress &) { return ++calls < 3; }));
        QVERIFY(!fs::exists(out));
        QCOMPARE(std::distance(fs::directory_iterator(tmp.path().toStdString()), {}), 1); // only m/
    }
};

QTEST_GUILESS_MAIN(TestGguf)
#include "tst_gguf.moc"
