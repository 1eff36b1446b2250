#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace lieq::exchange {

struct ReportData;

// The PPL/KL/accuracy table of a report: one row per FP16 baseline and per quantization run,
// one column per (task, metric) found in their evaluation rows -- perplexities first, then KL
// statistics, then accuracies. Where a run was evaluated twice the newest value wins.
struct ResultColumn
{
    std::string task;   // "wikitext2", "piqa", ...
    std::string metric; // "ppl", "kl", "acc", "acc_norm", ...
    std::string label() const; // "wikitext2 ppl"
};

struct ResultRow
{
    static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
    std::string label;                      // "FP16 stories260K", "q3 gptq (2.25 bits)"
    std::int64_t modelId = 0;
    std::optional<std::int64_t> quantRunId; // nullopt: the FP16 baseline
    std::string method;                     // "fp16", "gptq", ...
    double nominalBits = 16;
    double effectiveBits = kUnknown;        // NaN when unknown
    std::int64_t bytes = 0;                 // checkpoint size; 0 when unknown
    double seconds = kUnknown;              // quantization wall time; NaN when unknown
    std::vector<double> values;             // per column; NaN when absent
};

struct ResultsTable
{
    std::vector<ResultColumn> columns;
    std::vector<ResultRow> rows;

    // Column of the perplexity the PPL-vs-bits chart uses: the ppl column with the most
    // values (ties: the first); -1 when there is none.
    int primaryPplColumn() const;
};

ResultsTable buildResultsTable(const ReportData &data);

// CSV (RFC 4180 quoting) of the results table, and of the per-layer diagnostics with each
// quantization run's bits as extra columns.
std::string resultsCsv(const ResultsTable &table);
std::string layersCsv(const ReportData &data);

// Everything in the report as one JSON document ({"schema": "lieq.report", ...}).
std::string reportJson(const ReportData &data, const ResultsTable &table);

} // namespace lieq::exchange
