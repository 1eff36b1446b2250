#pragma once

#include "core/sweep/plan_choice.h"

#include <cstdint>
#include <string>
#include <vector>

// A sweep spec: the grid a study runs (models x calibration sets x plans x budgets x bit sets x
// backends x seeds), each cell one quantization plus one evaluation. Read from JSON (format in
// docs/sweeps.md); relative paths are resolved against the spec file's folder, so a sweep folder
// holds absolute paths that every worker (local or on a cluster node) can open.
namespace lieq::sweep {

struct CalibrationChoice
{
    std::string path;           // text or JSONL
    std::string field;          // JSONL field ("" -> "text")
    std::int64_t samples = 32;  // windows
    std::int64_t seqlen = 512;  // tokens per window
    bool operator==(const CalibrationChoice &) const = default;
};

struct EvaluationSpec
{
    std::string pplPath;             // perplexity text ("" -> none)
    std::string field;               // JSONL field of pplPath
    std::int64_t seqlen = 0;         // 0 -> the cell's calibration seqlen
    std::int64_t maxWindows = -1;    // -1 -> every whole window
    bool kl = true;                  // KL(FP16 || quantized) on the same windows
    std::vector<std::string> tasks;  // zero-shot tasks (piqa, arc_e, ...)
    std::int64_t limit = -1;         // items per task (-1 all)
    std::string dataDir;             // task data folder ("" -> the CLI default)
};

struct QuantizationSettings
{
    int groupSize = 128;
    bool symmetric = false;
    bool actOrder = false;
    double damp = 0.01;
};

// A budget: a fixed average bit-width, or base + numerator / L for a model of L layers
// ("2+2/L": the paper's main setting, one 4-bit layer), written as text in the spec.
struct Budget
{
    double base = 2.0;
    double perLayer = 0.0;      // numerator over L; 0 for a fixed budget
    bool fixed() const { return perLayer == 0.0; }
    double bitsFor(std::int64_t layers) const;
    std::string text() const;   // "2.25" or "2+2/L"
    bool operator==(const Budget &) const = default;
};
Budget parseBudget(const std::string &text); // throws lieq::Error naming the text

struct SweepSpec
{
    std::string name;
    std::string sourcePath;                   // the spec file ("" when parsed from text)
    std::vector<std::string> models;          // model folders (absolute)
    std::vector<CalibrationChoice> calibrations;
    EvaluationSpec evaluation;
    std::vector<Budget> budgets;
    std::vector<PlanChoice> plans;
    std::vector<std::string> backends;        // rtn | gptq | awq
    std::vector<std::vector<int>> bitSets;    // allocator bit-widths, e.g. {2, 4}
    std::vector<std::int64_t> seeds;          // calibration windows and analysis init seeds
    QuantizationSettings quantization;
    std::int64_t analysisSamples = 0;         // 0 -> the cell's calibration samples
    std::int64_t analysisSeqlen = 0;          // 0 -> the cell's calibration seqlen
    int threads = 1;                          // compute threads of each cell's worker
};

// Parses and validates spec JSON; every error is a lieq::Error naming `source` and the field.
// baseDir resolves relative paths ("" -> the current folder).
SweepSpec parseSweepSpec(const std::string &jsonText, const std::string &source,
                         const std::string &baseDir);
SweepSpec loadSweepSpec(const std::string &path);

// The spec as canonical JSON (absolute paths, every default written out): what a sweep folder
// stores, and parseSweepSpec reads it back unchanged.
std::string sweepSpecJson(const SweepSpec &spec);

inline const std::vector<std::string> &knownBackends()
{
    static const std::vector<std::string> names{"rtn", "gptq", "awq"};
    return names;
}

} // namespace lieq::sweep
