#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

// The figures of one finished cell, as DIR/cells/NNNN/result.json holds them: what the sweep's
// results table shows without opening every cell's store.
namespace lieq::sweep {

struct CellResult
{
    static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

    int cell = 0;
    double budgetBits = kNone;       // resolved for the model (e.g. 2+2/L -> 2.25)
    double nominalBits = kNone;      // parameter-weighted average over decoder linears
    double effectiveBits = kNone;    // with scales and zero-points (GPTQ format)
    std::vector<int> layerBits;      // -1 where a layer's projections differ
    double ppl = kNone;              // quantized model on the evaluation windows
    double pplReference = kNone;     // FP16 model on the same windows (with KL)
    double kl = kNone;               // mean KL(FP16 || quantized) per token, nats
    double top1 = kNone;             // share of positions whose argmax agrees with FP16
    std::int64_t windows = 0;
    std::map<std::string, double> acc;     // zero-shot task -> accuracy
    std::map<std::string, double> accNorm; // where the task defines it
    std::int64_t quantRunId = 0;     // in the cell's store
    std::int64_t analysisRunId = 0;  // 0 when the plan needed no analysis
    std::map<std::string, double> seconds; // stage -> seconds (analysis, quantize, evaluate)
    double wallSeconds = 0;

    std::string toJson() const;
    static CellResult fromJson(const std::string &text, const std::string &source);
};

} // namespace lieq::sweep
