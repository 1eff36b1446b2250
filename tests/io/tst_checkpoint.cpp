#include "core/io/checkpoint.h"
#include "core/io/half.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

using namespace lieq;
using lieq::test::TinyModelSpec;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
template<typename Fn>
QString errorOf(Fn fn)
{
    try {
        fn();
    } catch (const Error &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

std::vector<float> floats(const TensorView &v)
{
    std::vector<float> out(static_cast<std::size_t>(v.numel()));
    convertToFloat(v.dtype, v.data, out.data(), out.size());
    return out;
}

std::string sharded(const QTemporaryDir &tmp, int shards = 3)
{
    TinyModelSpec spec;
    spec.shards = shards;
    return lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), spec);
}

void editIndex(const std::string &dir, const std::function<void(json &)> &edit)
{
    const std::string p = dir + "/model.safetensors.index.json";
    json j = json::parse(readFile(p));
    edit(j);
    writeFileAtomic(p, j.dump());
}
} // namespace

class TestCheckpoint : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void load_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<int>("shards");
        QTest::addColumn<bool>("tied");
        QTest::addColumn<int>("headDim");
        for (const char *arch : {"llama", "qwen2", "qwen3", "mistral"})
            for (const char *dt : {"F32", "F16", "BF16"})
                for (int shards : {1, 3}) {
                    const bool tied = shards == 3;
                    const int hd = QByteArray(arch) == "qwen3" ? 24 : 0;
                    QTest::addRow("%s %s shards=%d", arch, dt, shards)
                        << QString::fromLatin1(arch) << QString::fromLatin1(dt) << shards << tied << hd;
                }
    }
    void load()
    {
        QFETCH(QString, arch);
        QFETCH(QString, dtype);
        QFETCH(int, shards);
        QFETCH(bool, tied);
        QFETCH(int, headDim);
        TinyModelSpec spec;
        spec.arch = arch.toStdString();
        spec.dtype = *dtypeFromName(dtype.toStdString());
        spec.shards = shards;
        spec.tied = tied;
        spec.headDim = headDim;
        spec.llama3RopeScaling = arch == QStringLiteral("llama");
        QTemporaryDir tmp;
        const std::string dir = lieq::test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), spec);
        Checkpoint ckpt(dir);
        const ModelConfig &c = ckpt.config();
        QCOMPARE(c.architectureName(), spec.arch);
        QCOMPARE(c.tieWordEmbeddings, tied);
        QCOMPARE(c.qkNorm, arch == QStringLiteral("qwen3"));
        QCOMPARE(c.attentionBias, arch == QStringLiteral("qwen2"));
        QCOMPARE(int(ckpt.files().size()), shards);
        const auto expected = lieq::test::tinyTensorList(spec, c.vocabSize);
        QCOMPARE(ckpt.tensorNames().size(), expected.size());
        std::uint64_t params = 0;
        for (const auto &t : expected) {
            QVERIFY2(ckpt.contains(t.name), t.name.c_str());
            const TensorView &v = ckpt.tensor(t.name);
            QCOMPARE(v.dtype, spec.dtype);
            QCOMPARE(v.shape, t.shape);
            params += v.numel();
        }
        QCOMPARE(ckpt.parameterCount(), params);
        QCOMPARE(ckpt.totalTensorBytes(), params * dtypeSize(spec.dtype));
        QCOMPARE(ckpt.contains("lm_head.weight"), !tied);
        // Norm weights are 1 + 0.1 N(0,1): their mean shows the bytes decode in this dtype.
        const auto norm = floats(ckpt.tensor("model.norm.weight"));
        double mean = 0;
        for (float x : norm)
            mean += x / norm.size();
        QVERIFY2(mean > 0.95 && mean < 1.05, qPrintable(QString::number(mean)));
        const QString missing = errorOf([&] { ckpt.tensor("model.layers.99.mlp.up_proj.weight"); });
        QVERIFY2(missing.contains(QStringLiteral("'model.layers.99.mlp.up_proj.weight'")), qPrintable(missing));
    }

    void deterministicAcrossSharding()
    {
        QTemporaryDir a, b;
        TinyModelSpec spec;
        const std::string single = lieq::test::writeTinyCheckpoint(a.filePath(QStringLiteral("m")).toStdString(), spec);
        spec.shards = 4;
        const std::string split = lieq::test::writeTinyCheckpoint(b.filePath(QStringLiteral("m")).toStdString(), spec);
        Checkpoint one(single), four(split);
        QCOMPARE(one.fingerprint(), four.fingerprint()); // same config and tensor index
        for (const auto &n : one.tensorNames()) {
            const auto &x = one.tensor(n), &y = four.tensor(n);
            QCOMPARE(x.nbytes, y.nbytes);
            QVERIFY2(std::memcmp(x.data, y.data, x.nbytes) == 0, n.c_str());
        }
        spec.seed = 2;
        QTemporaryDir c;
        const std::string other = lieq::test::writeTinyCheckpoint(c.filePath(QStringLiteral("m")).toStdString(), spec);
        QVERIFY(std::memcmp(Checkpoint(other).tensor("model.norm.weight").data,
                            one.tensor("model.norm.weight").data, 16) != 0);
        spec.dtype = DType::BF16;
        QTemporaryDir d;
        const std::string bf = lieq::test::writeTinyCheckpoint(d.filePath(QStringLiteral("m")).toStdString(), spec);
        QVERIFY(Checkpoint(bf).fingerprint() != one.fingerprint());
    }

    void realStories260K()
    {
        LIEQ_REQUIRE_SHARED(dir, "models/stories260K-hf");
        Checkpoint ckpt(dir);
        QCOMPARE(ckpt.config().architectureName(), std::string("llama"));
        QCOMPARE(ckpt.config().headDim, std::int64_t(8));
        QVERIFY(ckpt.config().tieWordEmbeddings);
        QCOMPARE(ckpt.tensor("model.embed_tokens.weight").shape, (std::vector<std::int64_t>{512, 64}));
    }

    void refusesPickle_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("pytorch_model.bin") << "pytorch_model.bin";
        QTest::newRow("sharded bin index") << "pytorch_model.bin.index.json";
        QTest::newRow("pt") << "model.pt";
        QTest::newRow("ckpt") << "weights.ckpt";
    }
    void refusesPickle()
    {
        QFETCH(QString, file);
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        writeFileAtomic(dir + "/config.json", R"({"model_type": "llama"})");
        // Content that would execute if unpickled: it must never be opened.
        writeFileAtomic(dir + "/" + file.toStdString(), "\x80\x04cos\nsystem\n");
        QString msg = errorOf([&] { Checkpoint c(dir); });
        QVERIFY2(msg.contains(file) && msg.contains(QStringLiteral("convert")) &&
                     msg.contains(QStringLiteral("safetensors")), qPrintable(msg));
        msg = errorOf([&] { Checkpoint c(dir + "/" + file.toStdString()); });
        QVERIFY2(msg.contains(QStringLiteral("convert")), qPrintable(msg));
    }

    void folderErrors()
    {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        QString msg = errorOf([&] { Checkpoint c(dir + "/absent"); });
        QVERIFY2(msg.contains(QStringLiteral("not a model folder")), qPrintable(msg));
        msg = errorOf([&] { Checkpoint c(dir); });
        QVERIFY2(msg.contains(QStringLiteral("config.json")) && msg.contains(QStringLiteral("missing")), qPrintable(msg));
        writeFileAtomic(dir + "/config.json", R"({"model_type": "llama"})");
        msg = errorOf([&] { Checkpoint c(dir); });
        QVERIFY2(msg.contains(QStringLiteral("no model.safetensors")), qPrintable(msg));
        writeFileAtomic(dir + "/config.json", R"({"model_type": "falcon"})");
        writeFileAtomic(dir + "/model.safetensors", std::string("\x02\0\0\0\0\0\0\0{}", 10));
        msg = errorOf([&] { Checkpoint c(dir); });
        QVERIFY2(msg.contains(QStringLiteral("unsupported architecture falcon")), qPrintable(msg));
    }

    void shardIndexErrors_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("problem");
        QTest::newRow("missing shard") << 0 << "shard model-00002-of-00003.safetensors listed in the index is missing";
        QTest::newRow("missing tensor") << 1 << "'model.layers.7.mlp.up_proj.weight': listed in the index but not present";
        QTest::newRow("path escape") << 2 << "is not a plain file name";
        QTest::newRow("no weight_map") << 3 << "no \"weight_map\"";
        QTest::newRow("tensor in two shards") << 4 << "also present in shard";
        QTest::newRow("bad json") << 5 << "not valid JSON";
        QTest::newRow("corrupt shard") << 6 << "overlaps";
    }
    void shardIndexErrors()
    {
        QFETCH(int, kind);
        QFETCH(QString, problem);
        QTemporaryDir tmp;
        const std::string dir = sharded(tmp);
        const std::string shard2 = "model-00002-of-00003.safetensors";
        switch (kind) {
        case 0: fs::remove(dir + "/" + shard2); break;
        case 1: editIndex(dir, [&](json &j) { j["weight_map"]["model.layers.7.mlp.up_proj.weight"] = shard2; }); break;
        case 2: editIndex(dir, [](json &j) { j["weight_map"]["model.norm.weight"] = "../x.safetensors"; }); break;
        case 3: editIndex(dir, [](json &j) { j.erase("weight_map"); }); break;
        case 4: {
            // A copy of shard 1 under a new name, referenced for one tensor: its tensors now live twice.
            fs::copy_file(dir + "/model-00001-of-00003.safetensors", dir + "/extra.safetensors");
            editIndex(dir, [](json &j) { j["weight_map"]["model.embed_tokens.weight"] = "extra.safetensors"; });
            break;
        }
        case 5: writeFileAtomic(dir + "/model.safetensors.index.json", "{\"weight_map\": "); break;
        case 6: lieq::test::corruptSafetensors(dir + "/" + shard2, lieq::test::Corruption::Overlap); break;
        }
        const QString msg = errorOf([&] { Checkpoint c(dir); });
        QVERIFY2(msg.contains(problem), qPrintable(msg));
        QVERIFY2(msg.contains(QStringLiteral(".safetensors")), qPrintable(msg)); // names a file
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
