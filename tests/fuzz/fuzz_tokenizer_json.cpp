// Fuzz target: tokenizer.json (and the tokenizer_config.json beside it). The first input byte
// says whether a tokenizer_config.json is written and how much of the rest it takes; loading
// fails with a lieq::Error naming one of the two files, or gives a tokenizer whose tables agree
// with vocabSize() and that encodes and decodes a fixed text without leaving the id range.
#include "core/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_target.h"

#include <filesystem>

namespace {

void exercise(const lieq::Tokenizer &t)
{
    const int32_t n = t.vocabSize();
    if (static_cast<int32_t>(t.tokens().size()) != n || static_cast<int32_t>(t.tokenTypes().size()) != n)
        lieq::fuzz::finding("token tables disagree with vocabSize()");
    for (const auto &id : {t.bosId(), t.eosId(), t.unkId(), t.padId()})
        if (id && (*id < 0 || *id >= n))
            lieq::fuzz::finding("special id " + std::to_string(*id) + " outside the vocab");
    static const std::string text = "Hello, world! 123 <s> caf\xc3\xa9 \xe2\x96\x81x\n\tend";
    for (bool special : {false, true}) {
        const std::vector<int32_t> ids = t.encode(text, special);
        for (int32_t id : ids)
            if (id < 0 || id >= n)
                lieq::fuzz::finding("encode gave id " + std::to_string(id) + " outside the vocab");
        (void)t.decode(ids, special);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    namespace fs = std::filesystem;
    std::size_t cfgLen = 0;
    if (size > 0) {
        cfgLen = data[0] == 0 ? 0 : std::min<std::size_t>(size - 1, data[0] * 4u);
        ++data;
        --size;
    }
    const std::string cfgPath = lieq::fuzz::scratchDir() + "/tokenizer_config.json";
    std::error_code ec;
    fs::remove(cfgPath, ec);
    if (cfgLen > 0)
        lieq::fuzz::writeInput("tokenizer_config.json", data, cfgLen);
    const std::string path = lieq::fuzz::writeInput("tokenizer.json", data + cfgLen, size - cfgLen);
    // Errors name tokenizer.json or tokenizer_config.json: both live in the scratch folder.
    lieq::fuzz::expectCleanError(lieq::fuzz::scratchDir(), [&] {
        exercise(lieq::Tokenizer::fromFile(path));
    });
    return 0;
}
