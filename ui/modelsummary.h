#pragma once

#include <QMetaType>
#include <QString>

#include <cstdint>
#include <memory>

namespace lieq {
class Checkpoint;
}

namespace lieq::ui {

// What the summary panel shows about an opened model folder.
struct ModelSummary
{
    QString path;
    QString name;            // folder name
    QString architecture;    // "llama", "qwen3", ...
    QString modelType;       // config.json model_type
    qint64 layers = 0;
    qint64 hiddenSize = 0;
    qint64 intermediateSize = 0;
    qint64 heads = 0;
    qint64 kvHeads = 0;
    qint64 vocabSize = 0;
    qint64 parameters = 0;           // all tensors
    qint64 decoderLinearParams = 0;  // what the bit budget counts
    QString dtype;                   // storage dtype (config torch_dtype, else most common)
    qint64 sizeOnDisk = 0;           // safetensors files + config.json
    int tensorCount = 0;
    int fileCount = 0;
    QString fingerprint;
};

// Reads the summary from an opened checkpoint (cheap: header data only, no tensor bytes).
ModelSummary summarizeCheckpoint(const lieq::Checkpoint &checkpoint);

// An opened model: the checkpoint (shared with running jobs) and its summary.
struct OpenedModel
{
    std::shared_ptr<const lieq::Checkpoint> checkpoint;
    ModelSummary summary;
};

// Human-readable byte count ("12.3 MiB") and parameter count ("1.2 M").
QString formatBytes(qint64 bytes);
QString formatCount(qint64 n);

} // namespace lieq::ui

Q_DECLARE_METATYPE(lieq::ui::ModelSummary)
