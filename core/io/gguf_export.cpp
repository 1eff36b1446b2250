#include "core/io/gguf_export.h"

#include "core/io/checkpoint.h"
#include "core/io/gguf_model_builder.h"
#include "core/io/half.h"
#include "core/util/error.h"

#include <cstring>
#include <filesystem>

namespace lieq {

GgufExportResult exportGguf(const Checkpoint &ckpt, const std::string &outPath,
                            const GgufExportOptions &options, const ProgressFn &progress)
{
    GgufModelBuilder b(ckpt, options.name,
                       options.type == GgmlType::F16 ? GgufFileType::MostlyF16 : GgufFileType::AllF32, false);
    for (const std::string &name : ckpt.tensorNames()) {
        const auto target = b.target(name);
        if (!target)
            continue;
        const TensorView &v = ckpt.tensor(name);
        if (!isFloating(v.dtype))
            throw Error(v.file, "tensor '" + name + "': dtype " + std::string(dtypeName(v.dtype)) +
                                    " cannot be exported as F32/F16");
        const std::vector<std::int64_t> order = b.rowOrder(*target, v.shape.empty() ? 0 : v.shape[0]);
        const GgmlType type = v.shape.size() >= 2 ? options.type : GgmlType::F32;
        const TensorView *view = &v;
        b.addTensor(name, target->ggufName, type, v.shape, [view, type, order](std::byte *dst, std::size_t) {
            std::vector<float> f(static_cast<std::size_t>(view->numel()));
            convertToFloat(view->dtype, view->data, f.data(), f.size());
            const std::size_t rows = order.size(), cols = rows ? f.size() / rows : 0;
            std::vector<float> p(f.size());
            for (std::size_t r = 0; r < rows; ++r)
                std::memcpy(&p[r * cols], &f[static_cast<std::size_t>(order[r]) * cols], cols * sizeof(float));
            if (type == GgmlType::F32) {
                std::memcpy(dst, p.data(), p.size() * 4);
            } else {
                for (std::size_t i = 0; i < p.size(); ++i) {
                    const std::uint16_t h = floatToHalf(p[i]);
                    std::memcpy(dst + 2 * i, &h, 2);
                }
            }
        });
    }
    b.finish();
    b.writer().write(outPath, progress);
    GgufExportResult r;
    r.path = outPath;
    r.architecture = b.architecture();
    r.tensorCount = b.writer().tensorCount();
    r.fileBytes = std::filesystem::file_size(outPath);
    r.vocabTokens = b.vocabTokens();
    return r;
}

} // namespace lieq
