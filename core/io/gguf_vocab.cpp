#include "core/io/gguf_vocab.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

namespace lieq {

using nlohmann::json;

namespace {

const char *const kSpace = "\xe2\x96\x81"; // ▁

// Collects every object of `type` in a (possibly Sequence-nested) normalizer/pre-tokenizer.
void findTyped(const json &j, const std::string &type, std::vector<const json *> &out)
{
    if (j.is_object()) {
        if (j.value("type", "") == type)
            out.push_back(&j);
        for (const auto &[k, v] : j.items())
            findTyped(v, type, out);
    } else if (j.is_array()) {
        for (const auto &v : j)
            findTyped(v, type, out);
    }
}

bool mentionsSpaceMarker(const json &j) { return j.dump().find(kSpace) != std::string::npos; }

// llama.cpp names pre-tokenizers by their split regex; these are the families the project loads.
std::string preTokenizerName(const json &tok)
{
    std::vector<const json *> splits;
    findTyped(tok["pre_tokenizer"], "Split", splits);
    for (const json *s : splits) {
        const std::string re = (*s)["pattern"].value("Regex", "");
        if (re.find("\\p{N}{1,3}") != std::string::npos && re.rfind("(?i:'s|'t|'re|'ve|'m|'ll|'d)", 0) == 0)
            return "llama-bpe";
        if (re.rfind("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|", 0) == 0)
            return "qwen2";
    }
    std::vector<const json *> byteLevel;
    findTyped(tok["pre_tokenizer"], "ByteLevel", byteLevel);
    if (splits.empty() && !byteLevel.empty() && (*byteLevel.front()).value("use_regex", true))
        return "gpt-2";
    return "default";
}

// Whether the post-processor puts a special token before the text (Llama-3 adds BOS this way).
bool postProcessorAddsBos(const json &tok)
{
    std::vector<const json *> templ;
    findTyped(tok["post_processor"], "TemplateProcessing", templ);
    for (const json *t : templ)
        if ((*t).contains("single") && (*t)["single"].is_array() && !(*t)["single"].empty() &&
            (*t)["single"][0].contains("SpecialToken"))
            return true;
    return false;
}

} // namespace

GgufVocab GgufVocab::fromTokenizerJson(const std::string &path, std::int64_t vocabSize,
                                       const std::string &tokenizerConfigPath)
{
    json tok = parseJson(readFile(path), path, "not valid JSON: ");
    if (!tok.is_object() || !tok.contains("model") || !tok["model"].is_object())
        throw Error(path, "no \"model\" object");
    const json &model = tok["model"];
    const std::string type = model.value("type", "BPE");
    if (type != "BPE")
        throw Error(path, "tokenizer model type " + type + " cannot be exported to GGUF (only BPE)");
    if (!model.contains("vocab") || !model["vocab"].is_object())
        throw Error(path, "model has no \"vocab\" object");

    GgufVocab v;
    const bool sentencePiece = (model.contains("byte_fallback") && model["byte_fallback"].is_boolean() &&
                                model["byte_fallback"].get<bool>()) ||
                               mentionsSpaceMarker(tok["normalizer"]) || mentionsSpaceMarker(tok["decoder"]);
    v.model = sentencePiece ? "llama" : "gpt2";
    v.pre = sentencePiece ? "default" : preTokenizerName(tok);

    std::vector<std::optional<std::string>> byId(static_cast<std::size_t>(vocabSize));
    std::vector<std::int32_t> types(static_cast<std::size_t>(vocabSize), Normal);
    auto place = [&](const std::string &text, const json &idJson, std::int32_t t) {
        if (!idJson.is_number_integer())
            throw Error(path, "token \"" + text + "\": id is not an integer");
        const auto id = idJson.get<std::int64_t>();
        if (id < 0 || id >= vocabSize)
            throw Error(path, "token \"" + text + "\": id " + std::to_string(id) +
                                  " is outside the model's vocab_size " + std::to_string(vocabSize));
        byId[id] = text;
        types[id] = t;
    };
    for (const auto &[text, id] : model["vocab"].items())
        place(text, id, Normal);
    if (tok.contains("added_tokens") && tok["added_tokens"].is_array())
        for (const auto &a : tok["added_tokens"])
            place(a.value("content", ""), a["id"], a.value("special", false) ? Control : UserDefined);

    // Merges: "a b" strings (older files) or ["a", "b"] pairs (tokenizers >= 0.20).
    std::map<std::string, std::size_t> rankOf;
    if (model.contains("merges") && model["merges"].is_array()) {
        for (const auto &m : model["merges"]) {
            std::string a, b;
            if (m.is_string()) {
                const std::string s = m.get<std::string>();
                const auto sp = s.find(' ');
                if (sp == std::string::npos)
                    throw Error(path, "merge \"" + s + "\" has no space");
                a = s.substr(0, sp);
                b = s.substr(sp + 1);
            } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
                a = m[0].get<std::string>();
                b = m[1].get<std::string>();
            } else {
                throw Error(path, "merge " + m.dump() + " is neither \"a b\" nor [a, b]");
            }
            rankOf.emplace(a + b, rankOf.size());
            v.merges.push_back(a + " " + b);
        }
    }

    const std::string unkToken = model.contains("unk_token") && model["unk_token"].is_string()
                                     ? model["unk_token"].get<std::string>() : std::string();
    for (std::int64_t id = 0; id < vocabSize; ++id) {
        if (!byId[id]) {
            v.tokens.push_back("[PAD" + std::to_string(id) + "]");
            v.tokenTypes.push_back(Unused);
            if (sentencePiece)
                v.scores.push_back(-1e9f);
            continue;
        }
        const std::string &text = *byId[id];
        std::int32_t t = types[id];
        if (sentencePiece && text == unkToken)
            t = Unknown;
        else if (sentencePiece && t == Normal) {
            if (text.size() == 6 && text.rfind("<0x", 0) == 0 && text.back() == '>')
                t = Byte;
        }
        if (text == unkToken)
            v.unk = id;
        v.tokens.push_back(text);
        v.tokenTypes.push_back(t);
        if (sentencePiece) {
            const auto r = rankOf.find(text);
            v.scores.push_back(r == rankOf.end() ? 0.0f : -static_cast<float>(r->second + 1));
        }
    }
    if (sentencePiece)
        v.merges.clear(); // llama.cpp's SPM tokenizer works from scores

    v.addBos = sentencePiece || postProcessorAddsBos(tok);
    if (!tokenizerConfigPath.empty() && std::filesystem::is_regular_file(tokenizerConfigPath)) {
        const json tc =
            parseJson(readFile(tokenizerConfigPath), tokenizerConfigPath, "not valid JSON: ");
        if (tc.contains("add_bos_token") && tc["add_bos_token"].is_boolean())
            v.addBos = tc["add_bos_token"].get<bool>();
    }
    return v;
}

} // namespace lieq
