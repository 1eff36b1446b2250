#include "core/sweep/cost_estimate.h"

#include "core/io/model_config.h"

#include <algorithm>
#include <filesystem>

namespace lieq::sweep {

namespace fs = std::filesystem;

namespace {

// Zero-shot task sizes (validation splits as shipped) and the tokens one scored choice takes:
// rough figures for the estimate only.
struct TaskSize
{
    const char *name;
    double items, choices, tokensPerChoice;
};
constexpr TaskSize kTasks[] = {
    {"piqa", 1838, 2, 40},     {"arc_e", 2376, 4, 35},       {"arc_c", 1172, 4, 40},
    {"hellaswag", 10042, 4, 110}, {"winogrande", 1267, 2, 30}, {"boolq", 3270, 2, 150},
};

// GFLOP of a forward pass over `tokens` tokens in windows of `seqlen`.
double forwardGflop(const ModelShape &m, double tokens, double seqlen)
{
    const double perToken = 2.0 * (double(m.linearParams) + double(m.vocab) * double(m.hidden)) +
                            4.0 * double(m.layers) * seqlen * double(m.hidden);
    return perToken * tokens * 1e-9;
}

// Effective-rank spectra of the seven projections of every layer, for the trained and the
// random weights: Z = W h (2 out in tokens), the Gram matrix of its smaller side k
// (2 out tokens k) and its eigenvalues (~4 k^3).
double spectraGflop(const ModelShape &m, double tokens)
{
    const double h = double(m.hidden), f = double(m.intermediate);
    const struct { double out, in; } proj[] = {{h, h}, {h / 4, h}, {h / 4, h}, {h, h},
                                               {f, h}, {f, h}, {h, f}};
    double g = 0;
    for (const auto &p : proj) {
        const double k = std::min(p.out, tokens);
        g += 2 * (2 * p.out * p.in * tokens + 2 * p.out * tokens * k + 4 * k * k * k);
    }
    return g * double(m.layers) * 1e-9;
}

double taskGflop(const ModelShape &m, const std::string &task, std::int64_t limit)
{
    for (const TaskSize &t : kTasks)
        if (task == t.name) {
            const double items = limit > 0 ? std::min<double>(double(limit), t.items) : t.items;
            return forwardGflop(m, items * t.choices * t.tokensPerChoice, t.tokensPerChoice);
        }
    return 0;
}

} // namespace

std::optional<ModelShape> readModelShape(const std::string &modelDir)
{
    try {
        const ModelConfig c = ModelConfig::fromFile((fs::path(modelDir) / "config.json").string());
        ModelShape s;
        s.layers = c.numLayers;
        s.hidden = c.hiddenSize;
        s.intermediate = c.intermediateSize;
        s.vocab = c.vocabSize;
        s.linearParams = c.decoderLinearParams();
        std::error_code ec;
        for (const auto &e : fs::directory_iterator(modelDir, ec))
            if (e.path().extension() == ".safetensors")
                s.bytes += static_cast<std::int64_t>(e.file_size(ec));
        return s;
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

CellCost estimateCell(const SweepCell &cell, const SweepSpec &spec, const ModelShape &shape,
                      const CostModel &model)
{
    CellCost c;
    c.known = true;
    const double calibTokens = double(cell.calibration.samples * cell.calibration.seqlen);
    const double seqlen = double(cell.calibration.seqlen);
    if (cell.plan.needsAnalysis()) {
        const double aSeqlen = double(spec.analysisSeqlen > 0 ? spec.analysisSeqlen : cell.calibration.seqlen);
        const double aTokens =
            double(spec.analysisSamples > 0 ? spec.analysisSamples : cell.calibration.samples) * aSeqlen;
        if (cell.plan.metric == "dppl") // baseline + one pass per skipped layer from cached inputs
            c.analysisGflop = forwardGflop(shape, aTokens, aSeqlen) * (1.0 + double(shape.layers) / 2.0);
        else
            c.analysisGflop = forwardGflop(shape, aTokens, aSeqlen) + spectraGflop(shape, aTokens);
    }
    const double linear = double(shape.linearParams);
    if (cell.backend == "rtn") {
        c.quantGflop = 20.0 * linear * 1e-9;
    } else if (cell.backend == "gptq") {
        const double h = double(shape.hidden), f = double(shape.intermediate);
        const double hessian = 2.0 * calibTokens * (3 * h * h + f * f) * double(shape.layers);
        c.quantGflop = 2.0 * forwardGflop(shape, calibTokens, seqlen) + hessian * 1e-9 +
                       2.0 * linear * std::max(h, f) * 1e-9;
    } else { // awq: a grid of 20 scales, each a forward of the layer's modules, plus clipping
        const double awqTokens = std::min(calibTokens, 8192.0);
        c.quantGflop = 2.0 * forwardGflop(shape, calibTokens, seqlen) +
                       40.0 * 2.0 * linear * awqTokens * 1e-9;
    }
    const EvaluationSpec &e = spec.evaluation;
    if (!e.pplPath.empty()) {
        const double evalSeqlen = double(e.seqlen > 0 ? e.seqlen : cell.calibration.seqlen);
        double tokens = 0;
        if (const auto it = model.textTokens.find(e.pplPath); it != model.textTokens.end())
            tokens = double(it->second);
        if (e.maxWindows >= 0)
            tokens = tokens > 0 ? std::min(tokens, double(e.maxWindows) * evalSeqlen)
                                : double(e.maxWindows) * evalSeqlen;
        c.evalGflop = forwardGflop(shape, tokens, evalSeqlen) * (e.kl ? 2.0 : 1.0);
    }
    for (const auto &t : e.tasks)
        c.evalGflop += taskGflop(shape, t, e.limit);
    c.processSeconds = model.secondsPerCell;
    c.loadSeconds = double(shape.bytes) / model.loadBytesPerSecond * (e.kl ? 2.0 : 1.0);
    c.seconds = c.processSeconds + c.loadSeconds + c.gflop() / model.gflopPerSecond;
    return c;
}

SweepCost estimateSweep(const std::vector<SweepCell> &cells, const SweepSpec &spec,
                        const CostModel &baseModel)
{
    CostModel model = baseModel;
    const std::string &ppl = spec.evaluation.pplPath;
    std::error_code ec;
    if (!ppl.empty() && !model.textTokens.count(ppl))
        if (const auto bytes = fs::file_size(ppl, ec); !ec)
            model.textTokens[ppl] = static_cast<std::int64_t>(bytes / 4); // ~4 bytes per BPE token
    std::map<std::string, std::optional<ModelShape>> shapes;
    SweepCost out;
    for (const SweepCell &cell : cells) {
        auto it = shapes.find(cell.model);
        if (it == shapes.end())
            it = shapes.emplace(cell.model, readModelShape(cell.model)).first;
        CellCost c;
        if (it->second) {
            c = estimateCell(cell, spec, *it->second, model);
            out.totalSeconds += c.seconds;
        } else {
            ++out.unknownCells;
        }
        out.cells.push_back(c);
    }
    return out;
}

CostModel calibrated(CostModel model, const std::vector<CellCost> &estimates,
                     const std::vector<double> &measuredSeconds, bool *fitted)
{
    // measured_i = load_i + gflop_i * x, x = 1 / throughput: least squares for x.
    double num = 0, den = 0;
    for (std::size_t i = 0; i < estimates.size() && i < measuredSeconds.size(); ++i) {
        const CellCost &c = estimates[i];
        if (!c.known || !(measuredSeconds[i] > 0))
            continue;
        num += c.gflop() * (measuredSeconds[i] - c.loadSeconds);
        den += c.gflop() * c.gflop();
    }
    const bool ok = den > 0 && num > 0;
    if (ok)
        model.gflopPerSecond = den / num;
    if (fitted)
        *fitted = ok;
    return model;
}

} // namespace lieq::sweep
