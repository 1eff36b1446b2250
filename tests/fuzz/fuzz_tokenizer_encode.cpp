// Fuzz target: Tokenizer::encode on arbitrary bytes (invalid UTF-8 included) and decode of the
// result. The first byte picks the tokenizer: the demo model's (byte-level BPE with the Qwen2
// split pattern and NFC), a tiny byte-level one with no normalizer, or a tiny sentencepiece-style
// one (Prepend/Replace normalizer, byte fallback). Ids must stay inside the vocab; byte-level
// tokenizers must give the (repaired, normalized) text back exactly.
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/unicode_text.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/support/tiny_checkpoint.h"

#include <filesystem>
#include <fstream>
#include <memory>

namespace {

struct Subject
{
    lieq::Tokenizer tokenizer;
    bool nfc = false;       // its normalizer is NFC only
    bool roundTrip = false; // decode(encode(x)) == normalize(x) holds exactly
    std::vector<std::string> specials;
};

lieq::Tokenizer tiny(lieq::test::TinyTokenizer kind, const char *name)
{
    std::int64_t vocab = 0, bos = 0, eos = 0;
    const std::string text = lieq::test::tinyTokenizerJson(kind, 96, &vocab, &bos, &eos);
    const std::string dir = lieq::fuzz::scratchDir() + "/" + name;
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/tokenizer.json", std::ios::binary) << text;
    return lieq::Tokenizer::fromFile(dir + "/tokenizer.json");
}

const std::vector<std::unique_ptr<Subject>> &subjects()
{
    static const auto all = [] {
        std::vector<std::unique_ptr<Subject>> v;
        v.push_back(std::make_unique<Subject>(Subject{
            lieq::Tokenizer::fromFile(LIEQ_SOURCE_DIR "/resources/demo-model/tokenizer.json"), true,
            true, {}}));
        v.push_back(std::make_unique<Subject>(
            Subject{tiny(lieq::test::TinyTokenizer::ByteLevel, "bytelevel"), false, true, {}}));
        v.push_back(std::make_unique<Subject>(
            Subject{tiny(lieq::test::TinyTokenizer::SentencePiece, "spm"), false, false, {}}));
        for (auto &s : v)
            for (int32_t id = 0; id < s->tokenizer.vocabSize(); ++id)
                if (s->tokenizer.isSpecial(id))
                    s->specials.push_back(s->tokenizer.idToToken(id));
        return v;
    }();
    return all;
}

bool containsSpecial(const Subject &s, std::string_view text)
{
    for (const std::string &t : s.specials)
        if (text.find(t) != std::string_view::npos)
            return true;
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const Subject &s = *subjects()[data[0] % subjects().size()];
    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    lieq::fuzz::expectCleanError({}, [&] {
        const int32_t n = s.tokenizer.vocabSize();
        for (bool special : {false, true}) {
            const std::vector<int32_t> ids = s.tokenizer.encode(text, special);
            for (int32_t id : ids)
                if (id < 0 || id >= n)
                    lieq::fuzz::finding("encode gave id " + std::to_string(id) + " of " + std::to_string(n));
            const std::string back = s.tokenizer.decode(ids, false);
            if (special || !s.roundTrip)
                continue;
            std::string expected = lieq::tok::toValidUtf8(text);
            // Added tokens are matched before normalization, so NFC may compose across their
            // edges differently from NFC of the whole text (as in HF): compare only without them.
            if (s.nfc) {
                if (containsSpecial(s, expected))
                    continue;
                expected = lieq::tok::toNfc(expected);
            }
            if (back != expected)
                lieq::fuzz::finding("decode(encode(text)) differs from the text");
        }
    });
    return 0;
}
