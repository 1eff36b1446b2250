// `lieq export MODEL --gguf OUT.gguf --type f32|f16`: write a llama.cpp-loadable GGUF.
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace {

using lieq::cli::Args;

int run(const Args &args)
{
    const std::string dir = args.positional(0, "MODEL_DIR");
    if (!args.has("gguf"))
        throw lieq::Error("export: --gguf OUT.gguf is required (the only export format so far)");
    lieq::GgufExportOptions options;
    const std::string type = args.value("type", "f32");
    if (type == "f16")
        options.type = lieq::GgmlType::F16;
    else if (type != "f32")
        throw lieq::Error("export: --type must be f32 or f16, not \"" + type + "\"");
    options.name = args.value("name");

    const lieq::Checkpoint ckpt(dir);
    lieq::cli::TerminalProgress bar(!args.common().quiet && !args.common().json);
    const auto r = lieq::exportGguf(ckpt, args.value("gguf"), options, bar.callback());
    bar.finish();
    if (args.common().json) {
        nlohmann::json j{{"path", r.path},           {"architecture", r.architecture},
                         {"tensors", r.tensorCount}, {"bytes", r.fileBytes},
                         {"vocab_tokens", r.vocabTokens}, {"type", type}};
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("wrote %s: %s, %zu tensors, %s, %.1f MB\n", r.path.c_str(), r.architecture.c_str(),
                    r.tensorCount, type.c_str(), static_cast<double>(r.fileBytes) / 1e6);
    }
    return 0;
}

const lieq::cli::CommandRegistration registration({
    "export",
    "write a model as GGUF (F32/F16) for llama.cpp",
    "MODEL_DIR",
    {{{"gguf", true, "output GGUF file", "OUT.gguf"},
      {"type", true, "matrix type: f32 (default) or f16; 1-D tensors stay f32", "TYPE"},
      {"name", true, "general.name (default: the folder name)", "NAME"}}},
    run,
});

} // namespace
