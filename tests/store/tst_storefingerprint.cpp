// Hashing for the store: SHA-256 against the FIPS 180-4 examples, model fingerprints on a
// generated safetensors folder (and stories260K when present), dataset content hashes.
#include "core/store/fingerprint.h"
#include "core/store/sha256.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include "tests/support/testutil.h"

#include <QTemporaryDir>
#include <QTest>
#include <filesystem>
#include <nlohmann/json.hpp>

using namespace lieq;
using namespace lieq::store;
namespace fs = std::filesystem;

namespace {

// A tiny llama-shaped checkpoint: config.json + one safetensors file with two f32 tensors.
void writeModel(const std::string &dir, float firstWeight = 1.0f, int layers = 2)
{
    fs::create_directories(dir);
    nlohmann::json config = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"},
                             {"num_hidden_layers", layers}, {"torch_dtype", "float32"}};
    writeFileAtomic(dir + "/config.json", config.dump(2));
    nlohmann::json header = {
        {"a.weight", {{"dtype", "F32"}, {"shape", {2, 3}}, {"data_offsets", {0, 24}}}},
        {"b.weight", {{"dtype", "F32"}, {"shape", {4}}, {"data_offsets", {24, 40}}}},
        {"__metadata__", {{"format", "pt"}}}};
    std::string h = header.dump();
    while (h.size() % 8)
        h.push_back(' ');
    std::string file(8, '\0');
    for (int i = 0; i < 8; ++i)
        file[i] = static_cast<char>((static_cast<std::uint64_t>(h.size()) >> (8 * i)) & 0xff);
    file += h;
    for (int i = 0; i < 10; ++i) {
        const float v = i == 0 ? firstWeight : 0.5f * i;
        file.append(reinterpret_cast<const char *>(&v), sizeof v);
    }
    writeFileAtomic(dir + "/model.safetensors", file);
}

} // namespace

class TestStoreFingerprint : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sha256KnownAnswers_data()
    {
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<QString>("digest");
        QTest::newRow("empty") << QByteArray()
            << QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        QTest::newRow("abc") << QByteArray("abc")
            << QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        QTest::newRow("448 bits") << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            << QStringLiteral("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        QTest::newRow("million a") << QByteArray(1000000, 'a')
            << QStringLiteral("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }

    void sha256KnownAnswers()
    {
        QFETCH(QByteArray, message);
        QFETCH(QString, digest);
        const std::string m(message.constData(), static_cast<std::size_t>(message.size()));
        QCOMPARE(Sha256::hex(m), digest.toStdString());
        // Streaming in odd-sized pieces gives the same digest.
        for (std::size_t piece : {1u, 3u, 63u, 64u, 65u, 1000u}) {
            Sha256 s;
            for (std::size_t i = 0; i < m.size(); i += piece)
                s.update(std::string_view(m).substr(i, piece));
            QCOMPARE(s.hexDigest(), digest.toStdString());
            if (m.size() > 100000)
                break; // the byte-wise pass over a megabyte is enough once
        }
    }

    void describesGeneratedModel()
    {
        QTemporaryDir dir;
        const std::string a = dir.filePath(QStringLiteral("a")).toStdString();
        writeModel(a);
        const ModelRecord m = describeModel(a);
        QCOMPARE(m.architecture, std::string("LlamaForCausalLM"));
        QCOMPARE(m.layerCount, std::int64_t(2));
        QCOMPARE(m.paramCount, std::int64_t(10));
        QCOMPARE(m.dtype, std::string("float32"));
        QCOMPARE(m.bytes, std::int64_t(fs::file_size(a + "/model.safetensors")));
        QCOMPARE(m.name, std::string("a"));
        QCOMPARE(m.fingerprint.size(), std::size_t(64));

        // Same files elsewhere: same fingerprint (it names content, not location).
        const std::string b = dir.filePath(QStringLiteral("b")).toStdString();
        writeModel(b);
        QCOMPARE(describeModel(b).fingerprint, m.fingerprint);
        // Same layout, one weight changed (a fine-tune): different fingerprint.
        const std::string c = dir.filePath(QStringLiteral("c")).toStdString();
        writeModel(c, 1.5f);
        QVERIFY(describeModel(c).fingerprint != m.fingerprint);
        // Config changed: different fingerprint.
        const std::string d = dir.filePath(QStringLiteral("d")).toStdString();
        writeModel(d, 1.0f, 3);
        QVERIFY(describeModel(d).fingerprint != m.fingerprint);
    }

    void badModelFoldersNameTheFile()
    {
        QTemporaryDir dir;
        const std::string a = dir.filePath(QStringLiteral("nocfg")).toStdString();
        fs::create_directories(a);
        try {
            describeModel(a);
            QFAIL("accepted a folder without config.json");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("config.json") != std::string::npos, e.what());
        }
        const std::string b = dir.filePath(QStringLiteral("trunc")).toStdString();
        writeModel(b);
        writeFileAtomic(b + "/model.safetensors", std::string("\xff\xff\xff\xff\0\0\0\0{", 9));
        try {
            describeModel(b);
            QFAIL("accepted a truncated safetensors file");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("model.safetensors") != std::string::npos, e.what());
        }
    }

    void describesStories260K()
    {
        LIEQ_REQUIRE_SHARED(model, "models/stories260K-hf");
        const ModelRecord m = describeModel(model);
        QCOMPARE(m.architecture, std::string("LlamaForCausalLM"));
        QCOMPARE(m.layerCount, std::int64_t(5));
        // 260K parameters by name; tied embeddings are stored once.
        QVERIFY2(m.paramCount > 200000 && m.paramCount < 300000, qPrintable(QString::number(m.paramCount)));
        QCOMPARE(m.bytes, std::int64_t(fs::file_size(model + "/model.safetensors")));
        QCOMPARE(describeModel(model).fingerprint, m.fingerprint); // deterministic
    }

    void datasetHashIsContentHash()
    {
        QTemporaryDir dir;
        const std::string f = dir.filePath(QStringLiteral("d.txt")).toStdString();
        const std::string text(3 << 20, 'x'); // spans several read chunks
        writeFileAtomic(f, text);
        const DatasetRecord d = describeDataset(f, "text");
        QCOMPARE(d.contentHash, Sha256::hex(text));
        QCOMPARE(d.bytes, std::int64_t(text.size()));
        QCOMPARE(d.kind, std::string("text"));

        const std::string folder = dir.filePath(QStringLiteral("set")).toStdString();
        fs::create_directories(folder);
        writeFileAtomic(folder + "/a.jsonl", "{}\n");
        writeFileAtomic(folder + "/b.jsonl", "[]\n");
        const auto h1 = describeDataset(folder, "piqa").contentHash;
        fs::rename(folder + "/b.jsonl", folder + "/c.jsonl");
        QVERIFY(describeDataset(folder, "piqa").contentHash != h1);
        QVERIFY_THROWS_EXCEPTION(Error, describeDataset(dir.filePath(QStringLiteral("none")).toStdString(), "text"));
    }

    void canonicalJsonSortsKeys()
    {
        QCOMPARE(canonicalJson(R"({ "b": 1, "a": {"d": [1, 2], "c": null} })", "x"),
                 std::string(R"({"a":{"c":null,"d":[1,2]},"b":1})"));
        QCOMPARE(canonicalJson("", "x"), std::string("{}"));
        try {
            canonicalJson("{oops", "settings of run 3");
            QFAIL("accepted invalid JSON");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).find("settings of run 3") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestStoreFingerprint)
#include "tst_storefingerprint.moc"
