#include "core/io/safetensors.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>
#include <cstring>
#include <filesystem>
#include <numeric>

using namespace lieq;
using lieq::test::Corruption;
namespace fs = std::filesystem;

Q_DECLARE_METATYPE(lieq::test::Corruption)

namespace {
// Expects `fn` to throw lieq::Error whose message contains every piece of `parts`.
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

std::vector<std::byte> pattern(std::size_t n, int seed)
{
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = std::byte((i * 31 + seed * 7) & 0xff);
    return v;
}
} // namespace

class TestSafetensors : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip_data()
    {
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<QList<qint64>>("shape");
        QTest::newRow("F32 matrix") << "F32" << QList<qint64>{3, 5};
        QTest::newRow("F16 vector") << "F16" << QList<qint64>{7};
        QTest::newRow("BF16 3-D") << "BF16" << QList<qint64>{2, 3, 4};
        QTest::newRow("I8") << "I8" << QList<qint64>{9, 2};
        QTest::newRow("U8 odd") << "U8" << QList<qint64>{3};
        QTest::newRow("I32") << "I32" << QList<qint64>{4, 4};
        QTest::newRow("I64") << "I64" << QList<qint64>{5};
        QTest::newRow("scalar") << "F32" << QList<qint64>{};
        QTest::newRow("empty") << "F16" << QList<qint64>{0, 3};
    }
    void roundTrip()
    {
        QFETCH(QString, dtype);
        QFETCH(QList<qint64>, shape);
        const DType t = *dtypeFromName(dtype.toStdString());
        std::vector<std::int64_t> sh(shape.begin(), shape.end());
        const std::size_t n = std::accumulate(sh.begin(), sh.end(), std::int64_t(1), std::multiplies<>()) * dtypeSize(t);
        const auto bytes = pattern(n, 1);
        const auto other = pattern(6, 2);
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("x.safetensors")).toStdString();
        writeSafetensors(path,
                         {{"first", DType::U8, {6}, other.data(), other.size()},
                          {"t", t, sh, bytes.data(), bytes.size()}},
                         {{"format", "pt"}});
        SafetensorsFile f(path);
        QCOMPARE(f.names(), (std::vector<std::string>{"first", "t"}));
        QCOMPARE(f.metadata().at("format"), std::string("pt"));
        const TensorView &v = f.tensor("t");
        QCOMPARE(v.dtype, t);
        QCOMPARE(v.shape, sh);
        QCOMPARE(v.nbytes, n);
        QCOMPARE(v.file, path);
        QCOMPARE(std::size_t(v.numel()) * dtypeSize(t), n);
        QVERIFY(n == 0 || std::memcmp(v.data, bytes.data(), n) == 0);
        QCOMPARE(std::memcmp(f.tensor("first").data, other.data(), 6), 0);
        // Header padded so the data area starts 8-byte aligned, as upstream writes it.
        QCOMPARE(f.tensor("first").fileOffset % 8, std::size_t(0));
        QVERIFY(f.contains("t"));
        QVERIFY(!f.contains("u"));
        const QString msg = errorOf([&] { f.tensor("missing"); });
        QVERIFY2(msg.contains(QString::fromStdString(path)) && msg.contains(QStringLiteral("missing")), qPrintable(msg));
    }

    void corruption_data()
    {
        QTest::addColumn<Corruption>("corruption");
        QTest::addColumn<QString>("problem");
        QTest::newRow("truncated") << Corruption::Truncated << "past the end of the data area";
        QTest::newRow("header lies") << Corruption::HeaderLies << "runs past the end of the file";
        QTest::newRow("huge header") << Corruption::HugeHeader << "exceeds the bound";
        QTest::newRow("overlap") << Corruption::Overlap << "overlaps";
        QTest::newRow("wrong dtype size") << Corruption::WrongDtypeSize << "needs";
        QTest::newRow("bad json") << Corruption::BadJson << "not valid JSON";
        QTest::newRow("duplicate name") << Corruption::DuplicateName << "more than once";
        QTest::newRow("unknown dtype") << Corruption::UnknownDtype << "unsupported dtype \"F8_E9M9\"";
        QTest::newRow("offsets past end") << Corruption::OffsetsPastEnd << "past the end of the data area";
        QTest::newRow("reversed offsets") << Corruption::ReversedOffsets << "reversed";
    }
    void corruption()
    {
        QFETCH(Corruption, corruption);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("bad.safetensors")).toStdString();
        const auto a = pattern(24, 1), b = pattern(8, 2), c = pattern(16, 3);
        writeSafetensors(path, {{"a.weight", DType::F32, {2, 3}, a.data(), a.size()},
                                {"b.weight", DType::F16, {4}, b.data(), b.size()},
                                {"c.weight", DType::BF16, {2, 4}, c.data(), c.size()}});
        SafetensorsFile ok(path); // valid before the corruption
        const std::string tensor = lieq::test::corruptSafetensors(path, corruption);
        const QString msg = errorOf([&] { SafetensorsFile f(path); });
        QVERIFY2(!msg.isEmpty(), "corrupted file was accepted");
        QVERIFY2(msg.contains(QString::fromStdString(path)), qPrintable(msg));
        QVERIFY2(msg.contains(problem), qPrintable(msg));
        if (!tensor.empty())
            QVERIFY2(msg.contains(QString::fromStdString("'" + tensor + "'")), qPrintable(msg));
    }

    void handMadeHeaders_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<int>("dataBytes");
        QTest::addColumn<QString>("problem");
        QTest::newRow("array header") << "[1,2]" << 0 << "not a JSON object";
        QTest::newRow("entry not object") << R"({"w": 3})" << 0 << "'w': header entry is not a JSON object";
        QTest::newRow("missing dtype") << R"({"w": {"shape": [1], "data_offsets": [0, 4]}})" << 4 << "'w': missing or non-string \"dtype\"";
        QTest::newRow("negative dim") << R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})" << 4 << "'w': shape [-1]";
        QTest::newRow("float offsets") << R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0.0, 4]}})" << 4 << "'w': \"data_offsets\"";
        QTest::newRow("three offsets") << R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}})" << 8 << "'w': \"data_offsets\"";
        QTest::newRow("metadata not strings") << R"({"__metadata__": {"a": 1}})" << 0 << "__metadata__ value 'a'";
        QTest::newRow("size overflow") << R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}})" << 4 << "more than 2^64";
        QTest::newRow("shape lies") << R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})" << 8 << "'w': holds 8 bytes but shape [3] x F32";
    }
    void handMadeHeaders()
    {
        QFETCH(QString, header);
        QFETCH(int, dataBytes);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("h.safetensors")).toStdString();
        lieq::test::writeRawSafetensors(path, header.toStdString(), std::string(dataBytes, '\0'));
        const QString msg = errorOf([&] { SafetensorsFile f(path); });
        QVERIFY2(msg.contains(QString::fromStdString(path)) && msg.contains(problem), qPrintable(msg));
    }

    void tooSmallFiles()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("s.safetensors")).toStdString();
        for (const std::string &content : {std::string(), std::string("abc")}) {
            writeFileAtomic(path, content);
            const QString msg = errorOf([&] { SafetensorsFile f(path); });
            QVERIFY2(msg.contains(QStringLiteral("too small")), qPrintable(msg));
        }
        const QString missing = errorOf([&] { SafetensorsFile f(path + ".nope"); });
        QVERIFY2(missing.contains(QStringLiteral("cannot open")), qPrintable(missing));
    }

    void unpaddedHeaderStillReads()
    {
        // Files from other writers may not pad the header; data is then unaligned but valid.
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("u.safetensors")).toStdString();
        const float v[2] = {1.5f, -2.0f};
        const std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
        QVERIFY(header.size() % 8 != 0);
        lieq::test::writeRawSafetensors(path, header, std::string(reinterpret_cast<const char *>(v), 8));
        SafetensorsFile f(path);
        float got[2];
        std::memcpy(got, f.tensor("w").data, 8);
        QCOMPARE(got[1], -2.0f);
    }

    void writerRefusesBadInput()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("w.safetensors")).toStdString();
        const float v[4] = {};
        QString msg = errorOf([&] { writeSafetensors(path, {{"w", DType::F32, {3}, v, 16}}); });
        QVERIFY2(msg.contains(QStringLiteral("'w'")) && msg.contains(QStringLiteral("12")), qPrintable(msg));
        msg = errorOf([&] {
            writeSafetensors(path, {{"w", DType::F32, {1}, v, 4}, {"w", DType::F32, {1}, v, 4}});
        });
        QVERIFY2(msg.contains(QStringLiteral("duplicate")), qPrintable(msg));
        QVERIFY(!fs::exists(path));
        QCOMPARE(std::distance(fs::directory_iterator(dir.path().toStdString()), {}), 0);
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
