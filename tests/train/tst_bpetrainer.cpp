// Byte-level BPE trainer: known merges on a hand-made corpus (Sennrich's low/lower/newest/widest),
// deterministic ties, special tokens, round trips through lieq::Tokenizer, and identical ids in
// transformers.js (skipped when tests/node is not installed).
#include "core/tokenizer/bpe_trainer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"
#include "tests/support/transformers_js.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

using lieq::BpeTrainer;
using lieq::BpeTrainerOptions;
using lieq::BpeVocabulary;
using lieq::Tokenizer;

namespace {

const char *kEnglish =
    "The jury said it did find that many of Georgia's registration and election laws \"are "
    "outmoded or inadequate and often ambiguous\". It recommended that Fulton legislators act "
    "to have these laws studied and revised to the end of modernizing and improving them.\n"
    "The grand jury commented on a number of other topics, among them the Atlanta and Fulton "
    "County purchasing departments which it said \"are well operated and follow generally "
    "accepted practices which inure to the best interest of both governments\". In 1961, 42 "
    "of 300 ballots (14%) were lost; they'll say we've seen worse.\n";

BpeVocabulary sennrich(int vocabSize)
{
    BpeTrainerOptions o;
    o.vocabSize = vocabSize;
    BpeTrainer t(o);
    for (auto [word, n] : {std::pair{"low", 5}, {"lower", 2}, {"newest", 6}, {"widest", 3}})
        for (int i = 0; i < n; ++i)
            t.addText(word);
    return t.train();
}

std::string trainAndSave(const QTemporaryDir &dir, int vocabSize, const std::string &text)
{
    BpeTrainerOptions o;
    o.vocabSize = vocabSize;
    BpeTrainer t(o);
    t.addText(text);
    lieq::saveBpeTokenizer(t.train(), dir.path().toStdString(), 512);
    return dir.path().toStdString();
}

} // namespace

class TestBpeTrainer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void knownMerges();
    void stopsAtMinimumFrequency();
    void deterministic();
    void specialTokensAreNotMerged();
    void roundTrip_data();
    void roundTrip();
    void encodesTrainedWordsWhole();
    void rejectsTinyVocabulary();
    void matchesTransformersJs();
};

void TestBpeTrainer::knownMerges()
{
    const BpeVocabulary v = sennrich(256 + 7 + 1);
    // Counts: e-s 9 = s-t 9 (tie: smaller ids first), es-t 9, l-o 7 = o-w 7, lo-w 7, then
    // e-w 6 = n-e 6 = w-est 6 (e < n < w), n-ew 6 = ew-est 6 (n has the smaller id).
    const std::vector<std::pair<std::string, std::string>> want = {
        {"e", "s"}, {"es", "t"}, {"l", "o"}, {"lo", "w"}, {"e", "w"}, {"n", "ew"}, {"new", "est"}};
    QCOMPARE(v.merges, want);
    QCOMPARE(v.tokens.size(), std::size_t(263));
    QCOMPARE(v.tokens[256], std::string("es"));
    QCOMPARE(v.tokens[262], std::string("newest"));
    QCOMPARE(v.size(), 264);
    // GPT-2 alphabet order: "!" first, the space byte's "Ġ" (U+0120) at 220 as in GPT-2/Qwen.
    QCOMPARE(v.tokens[0], std::string("!"));
    QCOMPARE(v.tokens[220], std::string("\xc4\xa0"));
}

void TestBpeTrainer::stopsAtMinimumFrequency()
{
    // Every pair occurs once: none reaches the default minimum frequency of 2.
    BpeTrainerOptions o;
    o.vocabSize = 1000;
    BpeTrainer t(o);
    t.addText("abcdefg");
    const BpeVocabulary v = t.train();
    QVERIFY(v.merges.empty());
    QCOMPARE(v.tokens.size(), std::size_t(256));
}

void TestBpeTrainer::deterministic()
{
    BpeTrainerOptions o;
    o.vocabSize = 400;
    BpeTrainer a(o), b(o);
    a.addText(kEnglish);
    // Same words, other order and split into calls: the counts, hence the merges, agree.
    std::string text(kEnglish);
    const std::size_t half = text.find('\n') + 1;
    b.addText(text.substr(half));
    b.addText(text.substr(0, half));
    const BpeVocabulary va = a.train(), vb = b.train();
    QVERIFY(va.merges.size() > 50);
    QCOMPARE(va.merges, vb.merges);
    QCOMPARE(va.tokens, vb.tokens);
}

void TestBpeTrainer::specialTokensAreNotMerged()
{
    BpeTrainerOptions o;
    o.vocabSize = 500;
    BpeTrainer t(o);
    std::string text;
    for (int i = 0; i < 50; ++i)
        text += "one document<|endoftext|>another one<|endoftext|>";
    t.addText(text);
    const BpeVocabulary v = t.train();
    for (const std::string &tok : v.tokens)
        QVERIFY2(tok.find("endoftext") == std::string::npos && tok.find("|>") == std::string::npos,
                 tok.c_str());
    QTemporaryDir dir;
    lieq::saveBpeTokenizer(v, dir.path().toStdString(), 512);
    const Tokenizer tok = Tokenizer::fromModelDir(dir.path().toStdString());
    const std::int32_t eos = static_cast<std::int32_t>(v.tokens.size());
    QCOMPARE(tok.vocabSize(), v.size());
    QCOMPARE(tok.eosId(), std::optional<std::int32_t>(eos));
    QCOMPARE(tok.padId(), std::optional<std::int32_t>(eos));
    QVERIFY(!tok.bosId());
    QVERIFY(!tok.addsBos());
    QVERIFY(tok.isSpecial(eos));
    const std::vector<std::int32_t> ids = tok.encode("one document<|endoftext|>another");
    QCOMPARE(std::count(ids.begin(), ids.end(), eos), 1);
    QCOMPARE(tok.decode(ids, true), std::string("one documentanother"));
}

void TestBpeTrainer::roundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("trained text") << QString::fromUtf8(kEnglish);
    QTest::newRow("unseen bytes") << QStringLiteral("Ünïcödé 中文 😀 tabs\t\tand  spaces\r\n");
    QTest::newRow("digits and quotes") << QStringLiteral("It's 3,141,592 'quoted' \"x\" -- ok?");
    QTest::newRow("empty") << QString();
}

void TestBpeTrainer::roundTrip()
{
    QFETCH(QString, text);
    QTemporaryDir dir;
    const Tokenizer tok = Tokenizer::fromModelDir(trainAndSave(dir, 420, kEnglish));
    const std::string s = text.toStdString();
    const std::vector<std::int32_t> ids = tok.encode(s);
    for (std::int32_t id : ids)
        QVERIFY(id >= 0 && id < tok.vocabSize());
    QCOMPARE(tok.decode(ids), s);
    if (!s.empty() && s == kEnglish)
        QVERIFY2(ids.size() * 3 < s.size() * 2,
                 qPrintable(QStringLiteral("%1 tokens for %2 bytes: merges should compress the "
                                           "training text 1.5x")
                                .arg(ids.size())
                                .arg(s.size())));
}

void TestBpeTrainer::encodesTrainedWordsWhole()
{
    const BpeVocabulary v = sennrich(264);
    QTemporaryDir dir;
    lieq::saveBpeTokenizer(v, dir.path().toStdString(), 512);
    const Tokenizer tok = Tokenizer::fromModelDir(dir.path().toStdString());
    QCOMPARE(tok.encode("newest"), std::vector<std::int32_t>{262});
    const std::vector<std::int32_t> lowest = tok.encode("lowest");
    QCOMPARE(lowest.size(), std::size_t(2));
    QCOMPARE(tok.idToToken(lowest[0]), std::string("low"));
    QCOMPARE(tok.idToToken(lowest[1]), std::string("est"));
    QCOMPARE(tok.merges().front(), std::string("e s"));
}

void TestBpeTrainer::rejectsTinyVocabulary()
{
    BpeTrainerOptions o;
    o.vocabSize = 256; // no room for <|endoftext|>
    BpeTrainer t(o);
    t.addText("abc");
    QVERIFY_THROWS_EXCEPTION(lieq::Error, t.train());
}

void TestBpeTrainer::matchesTransformersJs()
{
    if (const std::string why = lieq::test::transformersJsUnavailable(); !why.empty())
        QSKIP(why.c_str());
    QTemporaryDir dir;
    const std::string model = trainAndSave(dir, 500, std::string(kEnglish) + kEnglish);
    const std::string input = dir.filePath(QStringLiteral("input.txt")).toStdString();
    const std::string text = std::string(kEnglish) +
                             "Unseen: Ünïcödé 中文 😀\t\tx  y   z\r\n<|endoftext|>after it's 12345\n";
    std::ofstream(input, std::ios::binary) << text;
    const lieq::test::ReferenceIds ref = lieq::test::transformersJsIds(model, {input});
    QVERIFY2(ref.error.empty(), ref.error.c_str());
    const std::vector<std::int32_t> &want = ref.ids.at(0);
    const Tokenizer tok = Tokenizer::fromModelDir(model);
    QCOMPARE(tok.encode(text), want);
}

QTEST_GUILESS_MAIN(TestBpeTrainer)
#include "tst_bpetrainer.moc"
