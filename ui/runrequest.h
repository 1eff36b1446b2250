#pragma once

#include "core/alloc/bit_plan.h"

#include <QMetaType>
#include <QString>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>

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
    int calibrationSamples = 128;
    int seqlen = 512;
    int maxEvalWindows = 40;       // bounds the evaluation's cost on a CPU
    QString calibrationData;
    QString evaluationData;
};

// What a finished run reports to the results table and the PPL-vs-bits chart.
struct RunResult
{
    double ppl = std::numeric_limits<double>::quiet_NaN();
    double nominalBits = 16;       // 16 for the unquantized baseline
    double effectiveBits = 16;
    std::int64_t sizeBytes = 0;
    double seconds = 0;
    std::map<std::string, double> taskAccuracy; // zero-shot tasks, when evaluated
    std::int64_t storeRunId = 0;   // experiment store row, 0 when not stored
};

QString kindName(RunRequest::Kind k);

} // namespace lieq::ui

Q_DECLARE_METATYPE(lieq::ui::RunResult)
