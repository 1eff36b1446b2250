#include "core/export/gguf_weights.h"

#include "core/io/checkpoint.h"
#include "core/io/gguf_model_builder.h"
#include "core/io/gguf_reader.h"
#include "core/io/safetensors.h"
#include "core/util/atomic_file.h"
#include "core/util/atomic_folder.h"
#include "core/util/error.h"
#include "kernels/type_traits.h"

#include <cstring>
#include <filesystem>
#include <list>

namespace lieq {

namespace fs = std::filesystem;

void ggufToCheckpoint(const std::string &ggufPath, const std::string &modelDir, const std::string &outDir,
                      const ProgressFn &progress)
{
    const GgufReader gguf(ggufPath);
    const Checkpoint source(modelDir);
    const GgufModelBuilder names(source, {}, GgufFileType::MostlyF16, false);
    std::list<std::vector<float>> buffers;
    std::vector<TensorToWrite> tensors;
    const auto &map = names.tensorMap();
    std::size_t done = 0;
    for (const auto &[hfName, target] : map) {
        reportProgress(progress, {"read gguf", std::int64_t(done++), std::int64_t(map.size()), hfName});
        bool present = false;
        for (const auto &t : gguf.tensors())
            present = present || t.name == target.ggufName;
        if (!present)
            continue; // biases and q/k norms the architecture does not have
        const GgufReader::TensorInfo &t = gguf.tensor(target.ggufName);
        const auto type = kernels::typeFromGgml(static_cast<int>(t.type));
        if (!type || !kernels::typeTraits(*type).toFloat)
            throw Error(ggufPath, "tensor '" + t.name + "': ggml type " + std::to_string(t.type) + " cannot be read");
        std::int64_t numel = 1;
        for (auto d : t.shape)
            numel *= d;
        const std::int64_t cols = t.shape.back(), rows = numel / cols;
        if (cols % kernels::typeTraits(*type).blockSize != 0)
            throw Error(ggufPath, "tensor '" + t.name + "': rows do not fill whole blocks");
        const std::int64_t rowBytes = kernels::rowBytes(*type, cols);
        std::vector<float> f(static_cast<std::size_t>(numel));
        for (std::int64_t r = 0; r < rows; ++r)
            kernels::typeTraits(*type).toFloat(t.data + r * rowBytes, f.data() + r * cols, cols);
        if (target.permuteRows) { // GGUF row i holds HF row order[i]
            const auto order = names.rowOrder(target, rows);
            std::vector<float> back(f.size());
            for (std::int64_t r = 0; r < rows; ++r)
                std::memcpy(&back[std::size_t(order[std::size_t(r)] * cols)], &f[std::size_t(r * cols)],
                            std::size_t(cols) * sizeof(float));
            f.swap(back);
        }
        std::vector<float> &b = buffers.emplace_back(std::move(f));
        tensors.push_back({hfName, DType::F32, t.shape, b.data(), b.size() * sizeof(float)});
    }
    const fs::path target = fs::absolute(outDir).lexically_normal();
    if (fs::exists(target) && !(fs::is_directory(target) && fs::is_empty(target)))
        throw Error(target.string(), "exists; the weights of a GGUF go to a new or empty folder");
    writeFolderAtomic(target, [&](const fs::path &tmp) {
        for (const auto &e : fs::directory_iterator(modelDir)) {
            const std::string name = e.path().filename().string();
            if (e.is_regular_file() && (name == "config.json" || name.rfind("tokenizer", 0) == 0 ||
                                        name == "generation_config.json" || name == "special_tokens_map.json"))
                writeFileAtomic((tmp / name).string(), readFile(e.path().string()));
        }
        writeSafetensors((tmp / "model.safetensors").string(), tensors, {{"format", "pt"}, {"source", ggufPath}});
    });
}

} // namespace lieq
