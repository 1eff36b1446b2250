// The hand-written matchers for the GPT-2 / Llama-3 / Qwen2 split regexes, on cases chosen to
// exercise every alternative and its backtracking (\s+(?!\S), \s*[\r\n]+, digit groups).
#include "core/tokenizer/pre_tokenizer.h"

#include <QtTest>

using lieq::tok::PreTokenizer;
using lieq::tok::SplitPattern;

Q_DECLARE_METATYPE(SplitPattern)

class TestPreTokenizer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void patterns_data();
    void patterns();
    void recognise();
    void coversInput();
};

void TestPreTokenizer::patterns_data()
{
    QTest::addColumn<SplitPattern>("pattern");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("pieces");
    const auto G = SplitPattern::Gpt2, L = SplitPattern::Llama3, Q = SplitPattern::Qwen2;
    QTest::newRow("gpt2 words") << G << QStringLiteral("Hello world's  test 123\n\n")
                                << QStringList{"Hello", " world", "'s",  " ",
                                               " test", " 123",   "\n\n"};
    QTest::newRow("gpt2 case-sensitive contraction")
        << G << QStringLiteral("I'LL go") << QStringList{"I", "'", "LL", " go"};
    QTest::newRow("gpt2 punctuation")
        << G << QStringLiteral("a, b!? $x") << QStringList{"a", ",", " b", "!?", " $", "x"};
    QTest::newRow("llama3 contraction folded") << L << QStringLiteral("I'LL go, she's")
                                               << QStringList{"I", "'LL", " go", ",", " she", "'s"};
    QTest::newRow("llama3 digits in threes")
        << L << QStringLiteral("1234567 89") << QStringList{"123", "456", "7", " ", "89"};
    QTest::newRow("qwen2 single digits")
        << Q << QStringLiteral("1234 x") << QStringList{"1", "2", "3", "4", " x"};
    QTest::newRow("llama3 newline runs")
        << L << QStringLiteral("a\n\n b") << QStringList{"a", "\n\n", " b"};
    QTest::newRow("llama3 spaces then newline")
        << L << QStringLiteral("x  \n y") << QStringList{"x", "  \n", " y"};
    QTest::newRow("llama3 punct absorbs newlines")
        << L << QStringLiteral("Hi!!\n\nyo") << QStringList{"Hi", "!!\n\n", "yo"};
    QTest::newRow("llama3 symbol prefix")
        << L << QStringLiteral("$hello\tworld") << QStringList{"$hello", "\tworld"};
    QTest::newRow("llama3 spaces before word")
        << L << QStringLiteral("a   b   ") << QStringList{"a", "  ", " b", "   "};
    QTest::newRow("llama3 cjk") << L << QStringLiteral("你好，世界")
                                << QStringList{"你好", "，世界"};
    QTest::newRow("llama3 accents")
        << L << QStringLiteral("Café naïve") << QStringList{"Café", " naïve"};
    QTest::newRow("llama3 emoji") << L << QStringLiteral("ok 😀😀 yes")
                                  << QStringList{"ok", " 😀😀", " yes"};
    QTest::newRow("llama3 nbsp is whitespace")
        << L << QStringLiteral("a\u00a0\u00a0b") << QStringList{"a", "\u00a0", "\u00a0b"};
    QTest::newRow("llama3 cr lf") << L << QStringLiteral("a.\r\nb")
                                  << QStringList{"a", ".\r\n", "b"};
}

void TestPreTokenizer::patterns()
{
    QFETCH(SplitPattern, pattern);
    QFETCH(QString, text);
    QFETCH(QStringList, pieces);
    const QByteArray utf8 = text.toUtf8();
    std::vector<std::string_view> out;
    PreTokenizer::splitWith(pattern, std::string_view(utf8.constData(), utf8.size()), out);
    QStringList got;
    for (auto p : out)
        got << QString::fromUtf8(p.data(), static_cast<qsizetype>(p.size()));
    QCOMPARE(got, pieces);
}

void TestPreTokenizer::recognise()
{
    QCOMPARE(lieq::tok::recognisePattern(R"(\s+(?!\S)|\s+)"), std::nullopt);
    QVERIFY(lieq::tok::recognisePattern(
                R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)") ==
            SplitPattern::Gpt2);
}

// Isolated splitting must partition the input: the pieces concatenate back to it.
void TestPreTokenizer::coversInput()
{
    const std::string text =
        "Mixed: 12,345.67 \t\t tabs\r\n\r\n  — «quotes» 'Tis ĳ ǅ x²³ ⅷ 😀\u2028end  ";
    for (auto p : {SplitPattern::Gpt2, SplitPattern::Llama3, SplitPattern::Qwen2}) {
        std::vector<std::string_view> out;
        PreTokenizer::splitWith(p, text, out);
        std::string joined;
        for (auto piece : out) {
            QVERIFY(!piece.empty());
            joined += piece;
        }
        QCOMPARE(joined, text);
    }
}

QTEST_GUILESS_MAIN(TestPreTokenizer)
#include "tst_pretokenizer.moc"
