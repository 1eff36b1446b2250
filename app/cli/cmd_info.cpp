// `lieq info MODEL_DIR [--json] [--tensors]`: what a checkpoint is, without loading weights.
#include "app/cli/command.h"
#include "core/io/checkpoint.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <map>

namespace {

using lieq::cli::Args;

std::string humanBytes(std::uint64_t n)
{
    char buf[32];
    if (n >= (1ull << 30))
        std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(n) / (1ull << 30));
    else if (n >= (1ull << 20))
        std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / (1ull << 20));
    else
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024.0);
    return buf;
}

std::string shapeText(const std::vector<std::int64_t> &s)
{
    std::string t = "[";
    for (std::size_t i = 0; i < s.size(); ++i)
        t += (i ? ", " : "") + std::to_string(s[i]);
    return t + "]";
}

int run(const Args &args)
{
    const lieq::Checkpoint ckpt(args.positional(0, "MODEL_DIR"));
    const lieq::ModelConfig &c = ckpt.config();

    // Dominant storage dtype by bytes (norms are often F32 beside BF16 matrices).
    std::map<std::string, std::uint64_t> bytesByDtype;
    for (const auto &n : ckpt.tensorNames()) {
        const auto &t = ckpt.tensor(n);
        bytesByDtype[std::string(lieq::dtypeName(t.dtype))] += t.nbytes;
    }
    std::string dtype;
    std::uint64_t best = 0;
    for (const auto &[d, b] : bytesByDtype)
        if (b >= best) {
            best = b;
            dtype = d;
        }
    std::uint64_t onDisk = 0;
    for (const auto &f : ckpt.files())
        onDisk += std::filesystem::file_size(f->path());

    if (args.common().json) {
        nlohmann::ordered_json j{
            {"path", ckpt.dir()},
            {"architecture", c.architectureName()},
            {"layers", c.numLayers},
            {"hidden", c.hiddenSize},
            {"intermediate", c.intermediateSize},
            {"heads", c.numHeads},
            {"kv_heads", c.numKvHeads},
            {"head_dim", c.headDim},
            {"vocab", c.vocabSize},
            {"tied_embeddings", c.tieWordEmbeddings},
            {"rope_theta", c.ropeTheta},
            {"rope_scaling", c.ropeScaling.type.empty() ? nlohmann::ordered_json(nullptr)
                                                        : nlohmann::ordered_json(c.ropeScaling.type)},
            {"params", ckpt.parameterCount()},
            {"decoder_linear_params", c.decoderLinearParams()},
            {"dtype", dtype},
            {"files", ckpt.files().size()},
            {"size_on_disk", onDisk},
            {"fingerprint", ckpt.fingerprint()},
        };
        if (args.has("tensors")) {
            auto &arr = j["tensors"] = nlohmann::ordered_json::array();
            for (const auto &n : ckpt.tensorNames()) {
                const auto &t = ckpt.tensor(n);
                arr.push_back({{"name", n}, {"dtype", std::string(lieq::dtypeName(t.dtype))},
                               {"shape", t.shape}, {"file", std::filesystem::path(t.file).filename().string()}});
            }
        }
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("model         %s\n", ckpt.dir().c_str());
    std::printf("architecture  %s\n", c.architectureName().c_str());
    std::printf("layers        %lld\n", static_cast<long long>(c.numLayers));
    std::printf("hidden        %lld (ffn %lld)\n", static_cast<long long>(c.hiddenSize),
                static_cast<long long>(c.intermediateSize));
    std::printf("heads         %lld q / %lld kv, head_dim %lld\n", static_cast<long long>(c.numHeads),
                static_cast<long long>(c.numKvHeads), static_cast<long long>(c.headDim));
    std::printf("vocab         %lld%s\n", static_cast<long long>(c.vocabSize),
                c.tieWordEmbeddings ? " (tied embeddings)" : "");
    std::printf("rope          theta %g%s\n", c.ropeTheta,
                c.ropeScaling.type.empty() ? "" : (", scaling " + c.ropeScaling.type).c_str());
    std::printf("params        %.3f M (decoder linear %.3f M)\n", static_cast<double>(ckpt.parameterCount()) / 1e6,
                static_cast<double>(c.decoderLinearParams()) / 1e6);
    std::printf("dtype         %s\n", dtype.c_str());
    std::printf("size on disk  %s in %zu file(s)\n", humanBytes(onDisk).c_str(), ckpt.files().size());
    if (args.has("tensors")) {
        std::printf("\n%-56s %-5s %-16s %s\n", "tensor", "dtype", "shape", "file");
        for (const auto &n : ckpt.tensorNames()) {
            const auto &t = ckpt.tensor(n);
            std::printf("%-56s %-5s %-16s %s\n", n.c_str(), std::string(lieq::dtypeName(t.dtype)).c_str(),
                        shapeText(t.shape).c_str(), std::filesystem::path(t.file).filename().c_str());
        }
    }
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq info MODEL_DIR
describe a model folder (architecture, sizes, dtype, tensors)
--tensors           list every tensor (name, dtype, shape, file)
)");

} // namespace
