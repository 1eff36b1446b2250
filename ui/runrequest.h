#pragma once

#include "core/alloc/bit_plan.h"
#include "core/data/calibration.h"
#include "core/eval/kl_statistics.h"

#include <QMetaType>
#include <QString>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lieq::ui {

// One queued job of the Runs view: quantize the model with a plan and evaluate it, or
// evaluate the unquantized model (the FP16 baseline every "% recovered" needs).
struct RunRequest
{
    enum class Kind { Quantize, Evaluate };
    Kind kind = Kind::Quantize;
    QString modelPath;
    std::string backend = "rtn";   // rtn, gptq, awq (Quantize); "fp16" for Evaluate
    alloc::BitPlan plan;           // Quantize only
    int groupSize = 128;
    bool symmetric = false;
    bool actOrder = false;
    int calibrationSamples = int(kDefaultCalibrationSamples);
    int seqlen = int(kDefaultCalibrationSeqlen); // calibration and perplexity windows
    int maxEvalWindows = 40;       // bounds the evaluation's cost on a CPU
    QString calibrationData;
    QString evaluationData;
    // Zero-shot tasks scored after the perplexity (canonical names, core/tasks), at most
    // taskLimit items each, read from taskDataDir (the layout of ../shared/data).
    std::vector<std::string> tasks;
    int taskLimit = 100;
    QString taskDataDir;
    QString device = QStringLiteral("cpu"); // ModelOptions::device
    int threads = 0;               // compute threads; 0: all cores
    QString storePath;             // experiment store; empty: the run is not recorded
    QString outputDir;             // Quantize: save the quantized checkpoint here; empty: not saved
};

// What a finished run reports to the results table and the PPL-vs-bits chart.
struct RunResult
{
    double ppl = std::numeric_limits<double>::quiet_NaN();
    double nominalBits = 16;       // 16 for the unquantized baseline
    double effectiveBits = 16;     // with scales, zeros and g_idx (GPTQ layout)
    std::int64_t sizeBytes = 0;
    bool sizeEstimated = false;    // no checkpoint written: the GPTQ-layout size estimate
    double seconds = 0;
    std::map<std::string, double> taskAccuracy;     // zero-shot acc per task, when evaluated
    std::map<std::string, double> taskAccuracyNorm; // acc_norm per task
    int taskItems = 0;             // items scored per task (the smallest)
    // The newest stored FP16 evaluation of the same model under the same evaluation settings,
    // for "% of FP16" when no baseline run is in the table (NaN / empty when none).
    double baselinePpl = std::numeric_limits<double>::quiet_NaN();
    std::map<std::string, double> baselineAccuracy;
    // Quantize: KL statistics against the FP16 model on the perplexity windows (llama.cpp's
    // --kl-divergence figures), when evaluated on a text.
    std::optional<KlStatistics> kl;
    std::vector<int> layerBits;    // Quantize: bits per layer as run (-1: mixed within a layer)
    QString outputDir;             // the saved checkpoint, when one was written
    std::int64_t storeRunId = 0;   // experiment store quant run, 0 when not stored
    std::int64_t storeModelId = 0;
};

QString kindName(RunRequest::Kind k);

// Mean over tasks of acc (NaN when none).
double meanAccuracy(const std::map<std::string, double> &acc);

} // namespace lieq::ui

Q_DECLARE_METATYPE(lieq::ui::RunResult)
