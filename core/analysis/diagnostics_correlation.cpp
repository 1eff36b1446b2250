#include "core/analysis/diagnostics_correlation.h"

#include "core/util/error.h"

#include <cmath>

namespace lieq::analysis {

std::vector<double> layerMetric(const DiagnosticsResult &result, const std::string &name)
{
    std::vector<double> v;
    for (const LayerDiagnostics &l : result.layers) {
        if (name == "dppl")
            v.push_back(l.dppl);
        else if (name == "ppl_skipped")
            v.push_back(l.pplSkipped);
        else if (name == "dr")
            v.push_back(l.dr);
        else if (name == "dE")
            v.push_back(l.dE);
        else if (name == "compact")
            v.push_back(l.compactTrained);
        else
            throw Error("unknown layer metric \"" + name + "\"");
    }
    return v;
}

std::vector<MetricCorrelation> correlateDiagnostics(const DiagnosticsResult &result,
                                                    int bootstrapResamples, std::uint64_t seed)
{
    std::vector<MetricCorrelation> out;
    const std::vector<double> dppl = layerMetric(result, "dppl");
    for (const char *name : {"dr", "dE"}) {
        const std::vector<double> other = layerMetric(result, name);
        std::vector<double> x, y;
        for (std::size_t i = 0; i < dppl.size(); ++i)
            if (std::isfinite(dppl[i]) && std::isfinite(other[i])) {
                x.push_back(dppl[i]);
                y.push_back(other[i]);
            }
        if (x.size() < 3)
            continue;
        MetricCorrelation c;
        c.x = "dppl";
        c.y = name;
        c.n = x.size();
        c.pearson = pearson(x, y);
        c.spearman = spearman(x, y);
        c.kendall = kendallTauB(x, y);
        c.pearsonCi = bootstrapCi(CorrelationMethod::Pearson, x, y, bootstrapResamples, 0.95, seed);
        c.spearmanCi = bootstrapCi(CorrelationMethod::Spearman, x, y, bootstrapResamples, 0.95, seed);
        c.kendallCi = bootstrapCi(CorrelationMethod::Kendall, x, y, bootstrapResamples, 0.95, seed);
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace lieq::analysis
