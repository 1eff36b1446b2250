#include "ui/modelsummary.h"

#include "core/io/checkpoint.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QLocale>

#include <filesystem>
#include <map>

namespace lieq::ui {

ModelSummary summarizeCheckpoint(const lieq::Checkpoint &ck)
{
    const ModelConfig &c = ck.config();
    ModelSummary s;
    s.path = QString::fromStdString(ck.dir());
    s.name = QFileInfo(s.path).fileName();
    s.architecture = QString::fromStdString(c.architectureName());
    s.modelType = QString::fromStdString(c.modelType);
    s.layers = c.numLayers;
    s.hiddenSize = c.hiddenSize;
    s.intermediateSize = c.intermediateSize;
    s.heads = c.numHeads;
    s.kvHeads = c.numKvHeads;
    s.vocabSize = c.vocabSize;
    s.parameters = qint64(ck.parameterCount());
    s.decoderLinearParams = c.decoderLinearParams();
    s.fingerprint = QString::fromStdString(ck.fingerprint());

    // The dtype of the bytes on disk decides memory use; config's torch_dtype can disagree
    // with the files (e.g. fp32 exports of bf16 models), so count bytes per dtype instead.
    std::map<std::string, std::uint64_t> bytesPerType;
    const auto names = ck.tensorNames();
    for (const auto &n : names) {
        const TensorView &t = ck.tensor(n);
        bytesPerType[std::string(dtypeName(t.dtype))] += t.nbytes;
    }
    std::string best;
    std::uint64_t bestBytes = 0;
    for (const auto &[name, bytes] : bytesPerType)
        if (bytes > bestBytes) {
            best = name;
            bestBytes = bytes;
        }
    s.dtype = QString::fromStdString(best.empty() ? c.torchDtype : best);
    s.tensorCount = int(names.size());

    std::error_code ec;
    s.fileCount = int(ck.files().size());
    for (const auto &f : ck.files())
        s.sizeOnDisk += qint64(std::filesystem::file_size(f->path(), ec));
    s.sizeOnDisk += qint64(std::filesystem::file_size(std::filesystem::path(ck.dir()) / "config.json", ec));
    return s;
}

QString formatBytes(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString formatCount(qint64 n)
{
    const double v = double(n);
    if (v >= 1e9)
        return QCoreApplication::translate("lieq::ui", "%1 B").arg(v / 1e9, 0, 'f', 2);
    if (v >= 1e6)
        return QCoreApplication::translate("lieq::ui", "%1 M").arg(v / 1e6, 0, 'f', 2);
    if (v >= 1e3)
        return QCoreApplication::translate("lieq::ui", "%1 K").arg(v / 1e3, 0, 'f', 1);
    return QString::number(n);
}

} // namespace lieq::ui
