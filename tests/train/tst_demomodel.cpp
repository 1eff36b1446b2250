// The embedded demo model (resources/demo-model): where it is found, and that the committed
// folder is what its card says (qwen3, >= 16 layers as issue 16 asks, bf16, <= 10 MB; the card's
// shape and parameter count are the weights' and training.json's; validation perplexity
// reproduced by the runtime within 1%), writing English-like text, and tokenized exactly as
// transformers.js does (skipped without tests/node).
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/io/safetensors.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/atomic_file.h"
#include "core/util/demo_model.h"
#include "tests/support/testutil.h"
#include "tests/support/transformers_js.h"

#include <QtTest>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

fs::path committedDemo() { return fs::path(lieq::test::sourceDir()) / "resources" / "demo-model"; }

} // namespace

class TestDemoModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // One thread: on the shared 2-core machine two OpenMP threads spin against other jobs and
    // run several times slower (measured under load: 196 s with 2 threads, 22 s with 1).
    void initTestCase() { lieq::setComputeThreads(1); }
    void findsEnvironmentOverride();
    void fallsBackToSourceTree();
    void folderIsComplete();
    void cardDescribesWeights();
    void perplexityMatchesCard();
    void writesEnglishLikeText();
    void tokenizerMatchesTransformersJs();
};

void TestDemoModel::findsEnvironmentOverride()
{
    QTemporaryDir dir;
    std::ofstream(dir.filePath(QStringLiteral("config.json")).toStdString()) << "{}";
    qputenv("LIEQ_DEMO_MODEL", dir.path().toUtf8());
    const auto candidates = lieq::demoModelCandidates();
    QCOMPARE(candidates.front(), fs::path(dir.path().toStdString()));
    QCOMPARE(candidates.back(), fs::path(LIEQ_SOURCE_DIR) / "resources" / "demo-model");
    QCOMPARE(lieq::findDemoModel(), fs::weakly_canonical(dir.path().toStdString()));
    qunsetenv("LIEQ_DEMO_MODEL");
}

void TestDemoModel::fallsBackToSourceTree()
{
    QTemporaryDir empty; // no config.json: skipped
    qputenv("LIEQ_DEMO_MODEL", empty.path().toUtf8());
    const fs::path found = lieq::findDemoModel();
    qunsetenv("LIEQ_DEMO_MODEL");
    QVERIFY2(fs::exists(committedDemo() / "config.json"), "resources/demo-model is missing");
    QCOMPARE(found, fs::weakly_canonical(committedDemo()));
}

void TestDemoModel::folderIsComplete()
{
    const fs::path dir = committedDemo();
    std::uintmax_t bytes = 0;
    for (const char *f : {"config.json", "model.safetensors", "tokenizer.json",
                          "tokenizer_config.json", "validation.txt", "README.md", "training.json"})
        QVERIFY2(fs::is_regular_file(dir / f), f);
    for (const auto &e : fs::directory_iterator(dir))
        bytes += e.file_size();
    QVERIFY2(bytes <= 10'000'000, qPrintable(QStringLiteral("%1 bytes").arg(bytes)));

    const lieq::ModelConfig c = lieq::ModelConfig::fromFile((dir / "config.json").string());
    QCOMPARE(c.modelType, std::string("qwen3"));
    QVERIFY(c.numLayers >= 16); // deep enough for the plan comparison to tell predictors apart
    QVERIFY(c.tieWordEmbeddings);
    QVERIFY(c.numKvHeads < c.numHeads); // GQA
    const lieq::SafetensorsFile st((dir / "model.safetensors").string());
    for (const std::string &n : st.names())
        QVERIFY2(st.tensor(n).dtype == lieq::DType::BF16, n.c_str());
    const lieq::Tokenizer tok = lieq::Tokenizer::fromModelDir(dir.string());
    QVERIFY(tok.vocabSize() <= c.vocabSize);
    QCOMPARE(tok.kind(), lieq::TokenizerKind::ByteLevelBpe);
    QVERIFY(tok.eosId().has_value());
}

void TestDemoModel::cardDescribesWeights()
{
    const fs::path dir = committedDemo();
    const lieq::ModelConfig c = lieq::ModelConfig::fromFile((dir / "config.json").string());
    const auto card = nlohmann::json::parse(lieq::readFile((dir / "training.json").string()));
    const auto &m = card.at("model");
    QCOMPARE(m.at("layers").get<std::int64_t>(), std::int64_t(c.numLayers));
    QCOMPARE(m.at("hidden").get<std::int64_t>(), std::int64_t(c.hiddenSize));
    QCOMPARE(m.at("intermediate").get<std::int64_t>(), std::int64_t(c.intermediateSize));
    QCOMPARE(m.at("heads").get<std::int64_t>(), std::int64_t(c.numHeads));
    QCOMPARE(m.at("kv_heads").get<std::int64_t>(), std::int64_t(c.numKvHeads));
    std::int64_t params = 0;
    const lieq::SafetensorsFile st((dir / "model.safetensors").string());
    for (const std::string &n : st.names())
        params += st.tensor(n).numel();
    QCOMPARE(m.at("parameters").get<std::int64_t>(), params);

    // The README's model table states the same figures.
    const std::string readme = lieq::readFile((dir / "README.md").string());
    std::string grouped = std::to_string(params); // 3675264 -> 3,675,264
    for (int i = int(grouped.size()) - 3; i > 0; i -= 3)
        grouped.insert(std::size_t(i), ",");
    for (const std::string &text :
         {"| layers | " + std::to_string(c.numLayers) + " |",
          "| hidden / FFN | " + std::to_string(c.hiddenSize) + " / " + std::to_string(c.intermediateSize) + " |",
          "| parameters | " + grouped + " |", std::string("--out resources/demo-model")})
        QVERIFY2(readme.find(text) != std::string::npos, text.c_str());
}

void TestDemoModel::perplexityMatchesCard()
{
    const fs::path dir = committedDemo();
    const auto card = nlohmann::json::parse(lieq::readFile((dir / "training.json").string()));
    const double cardPpl = card.at("validation").at("ppl").get<double>();
    const std::int64_t seqlen = card.at("validation").at("seqlen").get<std::int64_t>();
    char shown[32];
    std::snprintf(shown, sizeof shown, "%.4f", cardPpl);
    QVERIFY2(lieq::readFile((dir / "README.md").string()).find(shown) != std::string::npos,
             "README.md states another perplexity than training.json");

    const lieq::Tokenizer tok = lieq::Tokenizer::fromModelDir(dir.string());
    const lieq::Corpus corpus = lieq::Corpus::fromFile((dir / "validation.txt").string());
    const auto windows = lieq::TokenWindows::fromText(tok, corpus.joined("\n\n"), seqlen);
    QCOMPARE(windows.count, card.at("validation").at("windows").get<std::int64_t>());
    auto model = lieq::Model::load(dir.string());
    const double ppl = lieq::evaluatePerplexity(*model, windows).ppl;
    QVERIFY2(std::abs(ppl - cardPpl) <= 0.01 * cardPpl,
             qPrintable(QStringLiteral("measured %1, card %2").arg(ppl).arg(cardPpl)));
}

void TestDemoModel::writesEnglishLikeText()
{
    const fs::path dir = committedDemo();
    const lieq::Tokenizer tok = lieq::Tokenizer::fromModelDir(dir.string());
    auto model = lieq::Model::load(dir.string());
    lieq::GenerateOptions go;
    go.maxNewTokens = 40;
    const auto out = model->generate(tok.encode("The jury said that"), go);
    const std::string text = tok.decode(out.tokens, true);
    qInfo("The jury said that%s", text.c_str());
    QVERIFY(text.size() > 40);
    std::size_t letters = 0, spaces = 0, prose = 0;
    for (unsigned char ch : text) {
        letters += std::isalpha(ch) != 0;
        spaces += ch == ' ';
        prose += std::isalpha(ch) || std::strchr(" .,;:'\"!?-\n", ch) != nullptr;
    }
    // Words of letters separated by spaces and punctuation, not symbol soup (English prose of
    // short words is about 75% letters and 18% spaces).
    QVERIFY2(letters >= text.size() * 6 / 10, text.c_str());
    QVERIFY2(prose >= text.size() * 95 / 100, text.c_str());
    QVERIFY2(spaces >= text.size() / 12, text.c_str());
}

void TestDemoModel::tokenizerMatchesTransformersJs()
{
    if (const std::string why = lieq::test::transformersJsUnavailable(); !why.empty())
        QSKIP(why.c_str());
    const fs::path dir = committedDemo();
    const lieq::test::ReferenceIds ref =
        lieq::test::transformersJsIds(dir.string(), {(dir / "validation.txt").string()});
    QVERIFY2(ref.error.empty(), ref.error.c_str());
    const std::vector<std::int32_t> &want = ref.ids.at(0);
    const lieq::Tokenizer tok = lieq::Tokenizer::fromModelDir(dir.string());
    const auto got = tok.encode(lieq::readFile((dir / "validation.txt").string()));
    QVERIFY(got.size() > 10000);
    QVERIFY(got == want);
}

QTEST_GUILESS_MAIN(TestDemoModel)
#include "tst_demomodel.moc"
