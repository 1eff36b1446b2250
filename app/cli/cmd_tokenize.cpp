// `lieq tokenize`: encode text (or a file) with a model's tokenizer.json, or decode ids.
#include "app/cli/command.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace {

using lieq::cli::Args;

lieq::Tokenizer loadTokenizer(const std::string &where)
{
    if (std::filesystem::is_directory(where)) return lieq::Tokenizer::fromModelDir(where);
    return lieq::Tokenizer::fromFile(where);
}

std::vector<int32_t> parseIds(const std::string &list)
{
    std::vector<int32_t> ids;
    std::size_t pos = 0;
    while (pos < list.size()) {
        std::size_t end = list.find_first_of(", ", pos);
        if (end == std::string::npos) end = list.size();
        const std::string item = list.substr(pos, end - pos);
        pos = end + 1;
        if (item.empty()) continue;
        try {
            std::size_t used = 0;
            const long v = std::stol(item, &used);
            if (used != item.size()) throw std::invalid_argument(item);
            ids.push_back(static_cast<int32_t>(v));
        } catch (const std::exception &) {
            throw lieq::Error("--decode: \"" + item + "\" is not a token id");
        }
    }
    return ids;
}

int run(const Args &args)
{
    const auto tokenizer = loadTokenizer(args.positional(0, "MODEL_DIR or tokenizer.json"));
    const bool json = args.common().json;
    const bool special = !args.has("no-special");

    if (args.has("decode")) {
        const auto ids = parseIds(args.value("decode"));
        const std::string text = tokenizer.decode(ids, !special);
        if (json)
            std::printf("%s\n", nlohmann::json{{"ids", ids}, {"text", text}}
                                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                    .c_str());
        else
            std::printf("%s\n", text.c_str());
        return 0;
    }

    std::string text;
    if (args.has("text") == args.has("file"))
        throw lieq::Error("tokenize: give exactly one of --text, --file or --decode");
    text = args.has("text") ? args.value("text") : lieq::readFile(args.value("file"));

    const auto start = std::chrono::steady_clock::now();
    const auto ids = tokenizer.encode(text, special);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    if (json) {
        nlohmann::json out{{"ids", ids},
                           {"count", ids.size()},
                           {"bytes", text.size()},
                           {"seconds", seconds},
                           {"vocab_size", tokenizer.vocabSize()}};
        if (args.has("tokens")) {
            std::vector<std::string> pieces;
            for (int32_t id : ids)
                pieces.push_back(tokenizer.idToToken(id));
            out["tokens"] = pieces;
        }
        std::printf("%s\n",
                    out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    std::string line;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) line += ", ";
        line += std::to_string(ids[i]);
        if (args.has("tokens")) line += " '" + tokenizer.idToToken(ids[i]) + "'";
    }
    std::printf("%s\n", line.c_str());
    std::fprintf(stderr, "%zu tokens, %zu bytes, %.3f s (%.2f MB/s)\n", ids.size(), text.size(),
                 seconds, seconds > 0 ? text.size() / seconds / 1e6 : 0.0);
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq tokenize MODEL_DIR|tokenizer.json
encode text or a file with a model's tokenizer, or --decode ids
--text TEXT         text to encode
--file FILE         encode the contents of a UTF-8 file
--decode IDS        decode comma-separated ids instead
--no-special        do not add BOS/EOS (encode) / drop special tokens (decode)
--tokens            also print each token's vocab string
)");

} // namespace
