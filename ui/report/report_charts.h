#pragma once

#include "ui/report/chart_spec.h"

#include <QString>

#include <vector>

namespace lieq::exchange {
struct ReportAnalysis;
struct ReportData;
struct ResultsTable;
}

namespace lieq::ui::report {

struct ReportChart
{
    QString id;      // stable name, e.g. "a3-dppl", used for image resources and file names
    QString caption;
    ChartSpec spec;
};

// The charts of a report, as data: per analysis run the three diagnostic curves (dPPL, dr,
// dE over layers) and the dPPL-vs-dr scatter with its correlation; across quantization runs
// the bits per layer and perplexity against average bits (FP16 at 16 bits).
std::vector<ReportChart> analysisCharts(const exchange::ReportAnalysis &analysis);
std::vector<ReportChart> comparisonCharts(const exchange::ReportData &data, const exchange::ResultsTable &table);

} // namespace lieq::ui::report
