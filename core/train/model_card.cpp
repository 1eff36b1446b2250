// The demo model's README.md (model card) and training.json: what it was trained on, how, and
// what it measures, with the exact command that reproduces it.
#include "core/train/demo_recipe.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace lieq {

namespace {

std::string fmt(const char *format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::string thousands(std::int64_t v)
{
    const std::string digits = std::to_string(v < 0 ? -v : v);
    std::string s = v < 0 ? "-" : "";
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            s += ',';
        s += digits[i];
    }
    return s;
}

} // namespace

std::string demoTrainingJson(const DemoRecipeOptions &o, const DemoRecipeResult &r)
{
    using nlohmann::ordered_json;
    const TrainOptions &t = o.train;
    ordered_json losses = ordered_json::array();
    for (const TrainLogEntry &e : r.training.log)
        if (e.valLoss || e.step % 10 == 0 || e.step == 1)
            losses.push_back({{"step", e.step},
                              {"train_loss", e.trainLoss},
                              {"lr", e.learningRate},
                              {"grad_norm", e.gradNorm},
                              {"val_loss", e.valLoss ? ordered_json(*e.valLoss) : nullptr},
                              {"seconds", e.seconds}});
    ordered_json j;
    j["corpus"] = {{"name", r.corpusName},
                   {"train_documents", r.trainDocuments},
                   {"validation_documents", r.validationDocuments},
                   {"validation_every", o.validationEvery},
                   {"train_words", r.trainWords},
                   {"train_tokens", r.trainTokens},
                   {"validation_tokens", r.validationTokens}};
    j["tokenizer"] = {{"type", "byte-level BPE"}, {"vocab", r.tokenizerVocab}, {"merges", r.merges}};
    j["model"] = {{"architecture", "qwen3"},
                  {"layers", o.shape.numLayers},
                  {"hidden", o.shape.hiddenSize},
                  {"intermediate", o.shape.intermediateSize},
                  {"heads", o.shape.numHeads},
                  {"kv_heads", o.shape.numKvHeads},
                  {"head_dim", o.shape.headDim},
                  {"parameters", r.parameters}};
    j["training"] = {{"steps", t.steps},
                     {"batch", t.batchSize},
                     {"seqlen", t.seqlen},
                     {"lr", t.learningRate},
                     {"min_lr_ratio", t.minLrRatio},
                     {"warmup_steps", t.warmupSteps},
                     {"weight_decay", t.weightDecay},
                     {"betas", {t.beta1, t.beta2}},
                     {"grad_clip", t.gradClip},
                     {"init_seed", o.initSeed},
                     {"data_seed", t.seed},
                     {"threads", t.threads},
                     {"tokens_seen", r.training.tokensSeen},
                     {"epochs", r.training.epochs},
                     {"final_train_loss", r.training.finalTrainLoss},
                     {"seconds", r.training.seconds}};
    j["validation"] = {{"seqlen", o.evalSeqlen},
                       {"windows", r.validationWindows},
                       {"ppl", r.validationPpl},
                       {"ppl_trainer_fp32", r.trainerValidationPpl},
                       {"measured_by", "lieq ppl <model> --data validation.txt --seqlen " +
                                           std::to_string(o.evalSeqlen)}};
    j["command"] = o.command;
    j["wall_seconds"] = r.seconds;
    j["log"] = losses;
    return j.dump(1) + "\n";
}

std::string demoModelCard(const DemoRecipeOptions &o, const DemoRecipeResult &r)
{
    const LmShape &s = o.shape;
    const TrainOptions &t = o.train;
    std::ostringstream md;
    md << "---\nlicense: mit\nlanguage: en\nlibrary_name: lieq-workbench\n"
          "tags: [qwen3, demo, from-scratch]\n---\n\n";
    md << "# LieQ Workbench demo model\n\n"
       << "A small Qwen3-architecture language model trained from scratch by this project's own "
          "code (`lieq train-demo`: byte-level BPE trainer and libtorch training loop), so that "
          "`lieq demo` and the workbench's first start have a real model to analyze and "
          "quantize without downloading anything. It writes English-like text; it knows "
          "nothing.\n\n";
    md << "## Data\n\n"
       << "- Corpus: the Brown Corpus (W. N. Francis and H. Kucera, Brown University, 1964, "
          "revised 1979; \"A Standard Corpus of Present-Day Edited American English\"), as "
          "shipped by "
       << r.corpusName
       << ". The part-of-speech tags are stripped and sentences rebuilt as plain text.\n"
       << "- Split by document: document i is held out for validation when i mod "
       << o.validationEvery << " = " << o.validationEvery / 2 << " (" << r.validationDocuments
       << " of " << r.trainDocuments + r.validationDocuments
       << " documents, all genres); `validation.txt` is that held-out text.\n"
       << "- Training text: " << thousands(r.trainWords) << " pre-tokenized words, "
       << thousands(r.trainTokens) << " tokens (documents separated by `<|endoftext|>`).\n\n";
    md << "## Model\n\n"
       << "| | |\n|---|---|\n"
       << "| architecture | qwen3 (RMSNorm, RoPE, GQA, q/k norm, SwiGLU, tied embeddings) |\n"
       << "| layers | " << s.numLayers << " |\n"
       << "| hidden / FFN | " << s.hiddenSize << " / " << s.intermediateSize << " |\n"
       << "| heads / kv heads / head dim | " << s.numHeads << " / " << s.numKvHeads << " / "
       << s.headDim << " |\n"
       << "| vocabulary | " << r.tokenizerVocab << " byte-level BPE tokens (" << r.merges
       << " merges, `<|endoftext|>`); embedding rows padded to a multiple of 64 |\n"
       << "| parameters | " << thousands(r.parameters) << " |\n"
       << "| weights | bf16, `model.safetensors` |\n"
       << "| folder size | " << fmt("%.2f", static_cast<double>(r.folderBytes) / 1e6)
       << " MB |\n\n";
    md << "## Training\n\n"
       << "| | |\n|---|---|\n"
       << "| steps | " << t.steps << " x " << t.batchSize << " windows x " << t.seqlen
       << " tokens |\n"
       << "| tokens seen | " << thousands(r.training.tokensSeen) << " ("
       << fmt("%.2f", r.training.epochs) << " epochs) |\n"
       << "| optimizer | AdamW, peak lr " << fmt("%g", t.learningRate) << ", betas ("
       << fmt("%g", t.beta1) << ", " << fmt("%g", t.beta2) << "), weight decay "
       << fmt("%g", t.weightDecay) << " on matrices, " << t.warmupSteps
       << " warmup steps, cosine to " << fmt("%g", t.minLrRatio) << " x peak, gradient clip "
       << fmt("%g", t.gradClip) << " |\n"
       << "| seeds | weights " << o.initSeed << ", data order " << t.seed << " |\n"
       << "| final training loss | " << fmt("%.4f", r.training.finalTrainLoss)
       << " (mean of the last 20 steps) |\n"
       << "| training time | " << fmt("%.1f", r.training.seconds / 60.0) << " min on "
       << (t.threads > 0 ? std::to_string(t.threads) : std::string("all"))
       << (t.threads == 1 ? " CPU thread" : " CPU threads") << " (whole "
       << "recipe " << fmt("%.1f", r.seconds / 60.0) << " min) |\n\n";
    md << "## Validation\n\n"
       << "Validation perplexity: **" << fmt("%.4f", r.validationPpl) << "** ("
       << r.validationWindows << " windows of " << o.evalSeqlen
       << " tokens of `validation.txt`, measured on the saved bf16 checkpoint by "
       << "`lieq ppl resources/demo-model --data resources/demo-model/validation.txt --seqlen "
       << o.evalSeqlen << "`; the trainer's own fp32 forward gives "
       << fmt("%.4f", r.trainerValidationPpl) << ").\n\n";
    md << "## Reproduce\n\n```sh\n(cd packaging/demo-corpus && npm ci)\n" << o.command
       << "\n```\n\n"
       << "`training.json` beside this card holds the numbers above and the loss curve.\n";
    return md.str();
}

} // namespace lieq
