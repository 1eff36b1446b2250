// lieq::Tokenizer on the real stories260K tokenizer (sentencepiece-style BPE) and on tiny
// byte-level tokenizer.json files generated here, one per feature, plus broken files.
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/unicode_text.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"

#include <QtTest>
#include <nlohmann/json.hpp>

#include <fstream>
#include <random>

using lieq::Tokenizer;
using nlohmann::json;
using Ids = std::vector<int32_t>;

namespace {

// A byte-level BPE tokenizer.json: ids 0..255 are the bytes, then one id per merge result.
json byteLevelFixture(const std::vector<std::pair<std::string, std::string>> &merges,
                      const json &preTokenizer = json{
                          {"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}})
{
    json vocab = json::object();
    for (int b = 0; b < 256; ++b)
        vocab[lieq::tok::bytesToByteLevel(std::string(1, static_cast<char>(b)))] = b;
    json mergeList = json::array();
    int next = 256;
    for (const auto &[a, b] : merges) {
        const std::string la = lieq::tok::bytesToByteLevel(a), lb = lieq::tok::bytesToByteLevel(b);
        if (!vocab.contains(la + lb)) vocab[la + lb] = next++;
        mergeList.push_back(json::array({la, lb}));
    }
    return json{{"version", "1.0"},
                {"added_tokens", json::array()},
                {"normalizer", nullptr},
                {"pre_tokenizer", preTokenizer},
                {"post_processor", nullptr},
                {"decoder", {{"type", "ByteLevel"}}},
                {"model",
                 {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", nullptr},
                  {"fuse_unk", false},
                  {"byte_fallback", false},
                  {"ignore_merges", false},
                  {"vocab", vocab},
                  {"merges", mergeList}}}};
}

json addedToken(int id, const std::string &content, bool special, bool lstrip = false,
                bool rstrip = false)
{
    return json{
        {"id", id},         {"content", content},  {"special", special},  {"lstrip", lstrip},
        {"rstrip", rstrip}, {"normalized", false}, {"single_word", false}};
}

std::string writeFixture(const QTemporaryDir &dir, const std::string &name, const std::string &text,
                         const std::string &config = {})
{
    const std::string folder = dir.filePath(QString::fromStdString(name)).toStdString();
    std::filesystem::create_directories(folder);
    std::ofstream(folder + "/tokenizer.json") << text;
    if (!config.empty()) std::ofstream(folder + "/tokenizer_config.json") << config;
    return folder + "/tokenizer.json";
}

int32_t id(const Tokenizer &t, const std::string &bytes)
{
    const auto v = t.tokenToId(lieq::tok::bytesToByteLevel(bytes));
    if (!v) throw std::runtime_error("no token " + bytes);
    return *v;
}

} // namespace

class TestTokenizer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void stories260K();
    void stories260KByteFallback();
    void mergeOrder_data();
    void mergeOrder();
    void heapAndScanAgree();
    void ignoreMerges();
    void addedTokens();
    void nfcNormalizer();
    void templateAndConfig();
    void byteLevelRoundTrip();
    void decodeInvalidUtf8();
    void ggufExports();
    void metaspace_data();
    void metaspace();
    void errors_data();
    void errors();

private:
    QTemporaryDir m_dir;
};

void TestTokenizer::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TestTokenizer::stories260K()
{
    LIEQ_REQUIRE_SHARED(dir, "models/stories260K-hf");
    const auto t = Tokenizer::fromModelDir(dir);
    QCOMPARE(t.kind(), lieq::TokenizerKind::SentencePieceBpe);
    QCOMPARE(t.vocabSize(), 512);
    QCOMPARE(t.bosId(), std::optional<int32_t>(1));
    QCOMPARE(t.eosId(), std::optional<int32_t>(2));
    QVERIFY(t.addsBos());
    QCOMPARE(t.encode("Once upon a time"), (Ids{1, 403, 407, 261, 378}));
    QCOMPARE(t.encode("Once upon a time", false), (Ids{403, 407, 261, 378}));
    // As HF: the Strip decoder only trims the first token, which is "<s>" here.
    QCOMPARE(t.decode({1, 403, 407, 261, 378}), std::string("<s> Once upon a time"));
    QCOMPARE(t.decode({1, 403, 407, 261, 378}, true), std::string("Once upon a time"));
    QCOMPARE(t.idToToken(403), std::string("\u2581Once"));
}

void TestTokenizer::stories260KByteFallback()
{
    LIEQ_REQUIRE_SHARED(dir, "models/stories260K-hf");
    const auto t = Tokenizer::fromModelDir(dir);
    const std::string text = "Lily said: \"Zoë ate 3 🍎!\"\nThe end.";
    const Ids ids = t.encode(text, false);
    // 🍎 is not in the 512-token vocab: four <0xNN> byte tokens (F0 9F 8D 8E) stand for it.
    const Ids apple{*t.tokenToId("<0xF0>"), *t.tokenToId("<0x9F>"), *t.tokenToId("<0x8D>"),
                    *t.tokenToId("<0x8E>")};
    QVERIFY(std::search(ids.begin(), ids.end(), apple.begin(), apple.end()) != ids.end());
    QCOMPARE(t.decode(ids), text);
    QCOMPARE(t.tokenTypes()[*t.tokenToId("<0xF0>")], lieq::TokenType::Byte);
    QCOMPARE(t.tokenTypes()[0], lieq::TokenType::Unknown);
    QCOMPARE(t.tokenTypes()[1], lieq::TokenType::Control);
    // A lone byte token that is not valid UTF-8 decodes to U+FFFD.
    QCOMPARE(t.decode({*t.tokenToId("<0xF0>")}), std::string("\xef\xbf\xbd"));
}

void TestTokenizer::mergeOrder_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("pieces");
    QTest::newRow("rank decides") << QStringLiteral("abc") << QStringList{"ab", "c"};
    QTest::newRow("leftmost on ties") << QStringLiteral("aaa") << QStringList{"aa", "a"};
    QTest::newRow("pairs") << QStringLiteral("aaaa") << QStringList{"aa", "aa"};
    QTest::newRow("chain") << QStringLiteral("bcbc") << QStringList{"bcbc"};
    QTest::newRow("no merge") << QStringLiteral("cab") << QStringList{"c", "ab"};
}

void TestTokenizer::mergeOrder()
{
    QFETCH(QString, text);
    QFETCH(QStringList, pieces);
    const auto path =
        writeFixture(m_dir, "merge",
                     byteLevelFixture({{"a", "b"}, {"b", "c"}, {"a", "a"}, {"bc", "bc"}}).dump());
    const auto t = Tokenizer::fromFile(path);
    Ids expected;
    for (const auto &p : pieces)
        expected.push_back(id(t, p.toStdString()));
    QCOMPARE(t.encode(text.toStdString()), expected);
    QCOMPARE(t.decode(expected), text.toStdString());
}

// The O(n log n) heap merge and the quadratic scan must give identical ids on any input.
void TestTokenizer::heapAndScanAgree()
{
    std::mt19937 rng(1234);
    std::vector<std::pair<std::string, std::string>> merges;
    std::vector<std::string> pieces{"a", "b", "c", "d"};
    for (int i = 0; i < 60; ++i) {
        const auto &x = pieces[rng() % pieces.size()];
        const auto &y = pieces[rng() % pieces.size()];
        if (x.size() + y.size() > 6) continue;
        merges.emplace_back(x, y);
        pieces.push_back(x + y);
    }
    lieq::tok::StringIdMap vocab;
    for (int b = 0; b < 256; ++b)
        vocab.emplace(lieq::tok::bytesToByteLevel(std::string(1, static_cast<char>(b))), b);
    for (const auto &[x, y] : merges)
        vocab.emplace(x + y, static_cast<int32_t>(vocab.size()));
    lieq::tok::BpeModel model;
    lieq::tok::BpeModel::Options o;
    o.byteLevel = true;
    model.build(vocab, merges, o);
    std::size_t totalIds = 0, totalBytes = 0;
    for (int trial = 0; trial < 2000; ++trial) {
        std::string word(1 + rng() % 80, 'a');
        for (char &c : word)
            c = static_cast<char>('a' + rng() % 4);
        Ids heap, scan;
        model.encodeWordUncached(word, heap, true);
        model.encodeWordUncached(word, scan, false);
        QCOMPARE(heap, scan);
        totalIds += heap.size();
        totalBytes += word.size();
    }
    QVERIFY2(
        totalIds * 10 < totalBytes * 8,
        qPrintable(
            QStringLiteral("%1 ids for %2 bytes").arg(totalIds).arg(totalBytes))); // merges fired
}

void TestTokenizer::ignoreMerges()
{
    json j = byteLevelFixture({{"a", "b"}});
    j["model"]["vocab"][lieq::tok::bytesToByteLevel("abc")] = 300; // unreachable by merges
    const auto plain = Tokenizer::fromFile(writeFixture(m_dir, "merges-on", j.dump()));
    QCOMPARE(plain.encode("abc"), (Ids{256, 'c'}));
    j["model"]["ignore_merges"] = true;
    const auto ignoring = Tokenizer::fromFile(writeFixture(m_dir, "merges-off", j.dump()));
    QCOMPARE(ignoring.encode("abc"), (Ids{300}));
    QCOMPARE(ignoring.encode("abcab"), (Ids{256, 'c', 256})); // not in vocab as a whole
}

void TestTokenizer::addedTokens()
{
    json j = byteLevelFixture({});
    j["added_tokens"] =
        json::array({addedToken(256, "<|x|>", true, true, true), addedToken(257, "<|end|>", true),
                     addedToken(258, "<|e|>", false)});
    const auto t = Tokenizer::fromFile(writeFixture(m_dir, "added", j.dump()));
    QCOMPARE(t.vocabSize(), 259);
    // lstrip/rstrip swallow the spaces around <|x|>; <|end|> wins over <|e|> (longest match).
    QCOMPARE(t.encode("a <|x|>  b<|end|>c<|e|>"), (Ids{'a', 256, 'b', 257, 'c', 258}));
    QCOMPARE(t.encode("a <|end|> b"), (Ids{'a', id(t, " "), 257, id(t, " "), 'b'}));
    QCOMPARE(t.decode({'a', 256, 'b', 258}), std::string("a<|x|>b<|e|>"));
    QCOMPARE(t.decode({'a', 256, 'b', 258}, true), std::string("ab<|e|>"));
    QVERIFY(t.isSpecial(257));
    QVERIFY(!t.isSpecial(258));
    QCOMPARE(t.tokenTypes()[256], lieq::TokenType::Control);
    QCOMPARE(t.tokenTypes()[258], lieq::TokenType::UserDefined);
}

void TestTokenizer::nfcNormalizer()
{
    json j = byteLevelFixture({{"\xc3", "\xa9"}}); // é as one token
    const std::string decomposed = "e\xcc\x81", composed = "\xc3\xa9";
    const auto raw = Tokenizer::fromFile(writeFixture(m_dir, "no-nfc", j.dump()));
    QCOMPARE(raw.encode(decomposed), (Ids{'e', 0xcc, 0x81}));
    j["normalizer"] = json{{"type", "NFC"}};
    const auto nfc = Tokenizer::fromFile(writeFixture(m_dir, "nfc", j.dump()));
    QCOMPARE(nfc.encode(decomposed), (Ids{256}));
    QCOMPARE(nfc.encode(composed), (Ids{256}));
}

void TestTokenizer::templateAndConfig()
{
    json j = byteLevelFixture({});
    j["added_tokens"] = json::array({addedToken(256, "<s>", true), addedToken(257, "</s>", true)});
    j["post_processor"] =
        json{{"type", "TemplateProcessing"},
             {"single", json::array({json{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                     json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
             {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {256}}, {"tokens", {"<s>"}}}}}}};
    const auto plain = Tokenizer::fromFile(writeFixture(m_dir, "tpl", j.dump()));
    QCOMPARE(plain.encode("hi"), (Ids{256, 'h', 'i'}));
    QCOMPARE(plain.encode("hi", false), (Ids{'h', 'i'}));
    QCOMPARE(plain.bosId(), std::optional<int32_t>(256));
    QCOMPARE(plain.eosId(), std::optional<int32_t>(257));

    const auto noBos = Tokenizer::fromFile(writeFixture(
        m_dir, "tpl-nobos", j.dump(),
        R"({"add_bos_token": false, "add_eos_token": true, "bos_token": "<s>", "eos_token": "</s>"})"));
    QCOMPARE(noBos.encode("hi"), (Ids{'h', 'i', 257}));
    QVERIFY(!noBos.addsBos());
    QVERIFY(noBos.addsEos());

    j["post_processor"] = nullptr;
    const auto addBos = Tokenizer::fromFile(writeFixture(
        m_dir, "cfg-bos", j.dump(),
        R"({"add_bos_token": true, "bos_token": {"content": "<s>"}, "eos_token": "</s>"})"));
    QCOMPARE(addBos.encode("hi"), (Ids{256, 'h', 'i'}));
}

void TestTokenizer::byteLevelRoundTrip()
{
    json pre = {
        {"type", "Sequence"},
        {"pretokenizers",
         json::array(
             {json{
                  {"type", "Split"},
                  {"pattern",
                   {{"Regex",
                     R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}}},
                  {"behavior", "Isolated"},
                  {"invert", false}},
              json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}})}};
    const auto t = Tokenizer::fromFile(writeFixture(
        m_dir, "roundtrip", byteLevelFixture({{"t", "h"}, {"th", "e"}, {" ", "the"}}, pre).dump()));
    QCOMPARE(t.preTokenizerName(), std::string("llama-bpe"));
    const std::string text = "the cat — 猫 😀\t\tx  \n\n 1234567 Zoë's ʼnaïve";
    const Ids ids = t.encode(text);
    QCOMPARE(t.decode(ids), text);
    QCOMPARE(t.encode(" the"), (Ids{id(t, " the")}));
    // Invalid UTF-8 input is repaired (U+FFFD) rather than passed to the byte alphabet.
    QCOMPARE(t.decode(t.encode("a\xff"
                               "b")),
             std::string("a\xef\xbf\xbd"
                         "b"));
}

void TestTokenizer::decodeInvalidUtf8()
{
    const auto t = Tokenizer::fromFile(writeFixture(m_dir, "bytes", byteLevelFixture({}).dump()));
    // The first two bytes of "€" (E2 82 AC) then 'a': one U+FFFD for the maximal invalid part.
    QCOMPARE(t.decode({0xe2, 0x82, 'a'}), std::string("\xef\xbf\xbd"
                                                      "a"));
    QVERIFY_THROWS_EXCEPTION(lieq::Error, t.decode({4000}));
}

void TestTokenizer::ggufExports()
{
    json j = byteLevelFixture({{"a", "b"}, {"ab", "c"}});
    j["added_tokens"] = json::array({addedToken(300, "<|eot|>", true)});
    const auto t = Tokenizer::fromFile(writeFixture(m_dir, "gguf", j.dump()));
    QCOMPARE(t.kind(), lieq::TokenizerKind::ByteLevelBpe);
    QCOMPARE(t.preTokenizerName(), std::string("gpt2"));
    QCOMPARE(t.vocabSize(), 301);
    QCOMPARE(t.tokens().size(), std::size_t(301));
    QCOMPARE(t.tokens()[256], std::string("ab"));
    QCOMPARE(t.tokens()[300], std::string("<|eot|>"));
    QCOMPARE(t.tokenTypes()[280], lieq::TokenType::Unused);
    QCOMPARE(t.tokens()[280], std::string("[PAD280]"));
    QCOMPARE(t.merges(), (std::vector<std::string>{"a b", "ab c"}));
    QVERIFY(t.scores().empty());
}

void TestTokenizer::metaspace_data()
{
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("pieces");
    const QString s = QStringLiteral("\u2581");
    QTest::newRow("first, at start") << QStringLiteral("first") << QStringLiteral("hey hey")
                                     << QStringList{s + "hey", s + "hey"};
    QTest::newRow("first, after <s>")
        << QStringLiteral("first") << QStringLiteral("<s>hey") << QStringList{"<s>", "h", "e", "y"};
    QTest::newRow("always, after <s>") << QStringLiteral("always") << QStringLiteral("<s>hey a")
                                       << QStringList{"<s>", s + "hey", s + "a"};
    QTest::newRow("never") << QStringLiteral("never") << QStringLiteral("hey  hey")
                           << QStringList{"h", "e", "y", s, s + "hey"};
}

// Sentencepiece-style files converted by newer transformers: Metaspace pre-tokenizer (split on
// "▁", prepend_scheme always/first/never) and decoder instead of Prepend/Replace normalizers.
void TestTokenizer::metaspace()
{
    QFETCH(QString, scheme);
    QFETCH(QString, text);
    QFETCH(QStringList, pieces);
    const std::string m = "\u2581";
    json vocab = {{"<unk>", 0}, {"<s>", 1},   {m, 2},        {"h", 3},       {"e", 4},     {"y", 5},
                  {"a", 6},     {m + "h", 7}, {m + "he", 8}, {m + "hey", 9}, {m + "a", 10}};
    json merges = json::array({"\u2581 h", "\u2581h e", "\u2581he y", "\u2581 a"});
    json j = {{"added_tokens", json::array({addedToken(1, "<s>", true)})},
              {"normalizer", nullptr},
              {"pre_tokenizer",
               {{"type", "Metaspace"},
                {"replacement", m},
                {"prepend_scheme", scheme.toStdString()},
                {"split", true}}},
              {"decoder",
               {{"type", "Metaspace"},
                {"replacement", m},
                {"prepend_scheme", scheme.toStdString()},
                {"split", true}}},
              {"model",
               {{"type", "BPE"},
                {"unk_token", "<unk>"},
                {"fuse_unk", true},
                {"byte_fallback", false},
                {"vocab", vocab},
                {"merges", merges}}}};
    const auto t =
        Tokenizer::fromFile(writeFixture(m_dir, "metaspace-" + scheme.toStdString(), j.dump()));
    QCOMPARE(t.kind(), lieq::TokenizerKind::SentencePieceBpe);
    Ids expected;
    for (const auto &p : pieces)
        expected.push_back(*t.tokenToId(p.toStdString()));
    QCOMPARE(t.encode(text.toStdString()), expected);
    if (scheme == QLatin1String("never")) return;
    // The decoder drops the prepended space again.
    QCOMPARE(t.decode(expected, true),
             text.toStdString().substr(text.startsWith(QLatin1String("<s>")) ? 3 : 0));
    QCOMPARE(t.encode("hey\u00e9\u00e8", false), (Ids{9, 0})); // unknown chars -> one fused <unk>
}

void TestTokenizer::errors_data()
{
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("expected");
    json good = byteLevelFixture({{"a", "b"}});
    QTest::newRow("broken json") << QStringLiteral("{\"model\": ")
                                 << QStringLiteral("invalid JSON");
    QTest::newRow("not an object")
        << QStringLiteral("[1,2]") << QStringLiteral("not a tokenizer.json");
    json j = good;
    j.erase("model");
    QTest::newRow("no model") << QString::fromStdString(j.dump())
                              << QStringLiteral("missing field \"model\"");
    j = good;
    j["model"].erase("vocab");
    QTest::newRow("no vocab") << QString::fromStdString(j.dump())
                              << QStringLiteral("missing field \"vocab\"");
    j = good;
    j["model"]["type"] = "Unigram";
    QTest::newRow("unigram") << QString::fromStdString(j.dump()) << QStringLiteral("Unigram");
    j = good;
    j["pre_tokenizer"] =
        json{{"type", "Split"}, {"pattern", {{"Regex", "\\w+|\\s+"}}}, {"behavior", "Isolated"}};
    QTest::newRow("unknown split") << QString::fromStdString(j.dump())
                                   << QStringLiteral("unknown pre-tokenizer Split pattern");
    j = good;
    j["pre_tokenizer"] = json{{"type", "Whitespace"}};
    QTest::newRow("unknown pre") << QString::fromStdString(j.dump())
                                 << QStringLiteral("Whitespace");
    j = good;
    j["model"]["merges"].push_back(json::array({"zz", "q"}));
    QTest::newRow("bad merge") << QString::fromStdString(j.dump())
                               << QStringLiteral("not in the vocab");
    j = good;
    j["normalizer"] = json{{"type", "Lowercase"}};
    QTest::newRow("normalizer") << QString::fromStdString(j.dump()) << QStringLiteral("Lowercase");
}

void TestTokenizer::errors()
{
    QFETCH(QString, content);
    QFETCH(QString, expected);
    static int n = 0;
    const std::string path =
        writeFixture(m_dir, "bad" + std::to_string(n++), content.toStdString());
    try {
        Tokenizer::fromFile(path);
        QFAIL("loading should have failed");
    } catch (const lieq::Error &e) {
        const QString msg = QString::fromUtf8(e.what());
        QVERIFY2(msg.contains(QString::fromStdString(path)), qPrintable(msg));
        QVERIFY2(msg.contains(expected), qPrintable(msg));
    }
    QVERIFY_THROWS_EXCEPTION(
        lieq::Error, Tokenizer::fromModelDir(m_dir.filePath(QStringLiteral("none")).toStdString()));
}

QTEST_GUILESS_MAIN(TestTokenizer)
#include "tst_tokenizer.moc"
