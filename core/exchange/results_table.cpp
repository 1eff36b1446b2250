#include "core/exchange/results_table.h"

#include "core/exchange/report_data.h"
#include "core/util/text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace lieq::exchange {

namespace {

using ojson = nlohmann::ordered_json;

int metricRank(const std::string &m)
{
    if (m == "ppl")
        return 0;
    if (m.find("kl") != std::string::npos || m.find("top1") != std::string::npos)
        return 1;
    if (m == "acc")
        return 2;
    if (m == "acc_norm")
        return 3;
    return 4;
}

std::string number(double v, int precision = 6)
{
    if (!std::isfinite(v))
        return {};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    return buf;
}

ojson numberOrNull(double v) { return std::isfinite(v) ? ojson(v) : ojson(nullptr); }

ojson parsedOrText(const std::string &text)
{
    try {
        return ojson::parse(text);
    } catch (const std::exception &) {
        return text;
    }
}

// Newest value per (task, metric) of a list of evaluation rows (oldest first).
std::map<std::pair<std::string, std::string>, double> latest(const std::vector<store::EvalResult> &rows)
{
    std::map<std::pair<std::string, std::string>, double> out;
    for (const store::EvalResult &e : rows)
        out[{e.task, e.metric}] = e.value;
    return out;
}

} // namespace

std::string ResultColumn::label() const { return task + " " + metric; }

int ResultsTable::primaryPplColumn() const
{
    int best = -1;
    std::size_t bestCount = 0;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (columns[c].metric != "ppl")
            continue;
        std::size_t n = 0;
        for (const ResultRow &r : rows)
            n += std::isfinite(r.values[c]) ? 1 : 0;
        if (n > bestCount) {
            best = static_cast<int>(c);
            bestCount = n;
        }
    }
    return best;
}

ResultsTable buildResultsTable(const ReportData &data)
{
    ResultsTable t;
    std::vector<std::pair<ResultRow, std::map<std::pair<std::string, std::string>, double>>> rows;
    for (const store::ModelRecord &m : data.models) {
        std::vector<store::EvalResult> mine;
        for (const store::EvalResult &e : data.baselines)
            if (e.modelId == m.id)
                mine.push_back(e);
        if (mine.empty())
            continue;
        ResultRow r;
        r.label = "FP16 " + (m.name.empty() ? m.path : m.name);
        r.modelId = m.id;
        r.method = "fp16";
        r.bytes = m.bytes;
        rows.emplace_back(r, latest(mine));
    }
    for (const ReportQuantRun &q : data.quantRuns) {
        const store::QuantRun &run = q.detail.run;
        ResultRow r;
        r.modelId = run.modelId;
        r.quantRunId = run.id;
        r.method = run.method;
        r.nominalBits = q.detail.plan.nominalBits;
        r.effectiveBits = q.detail.plan.effectiveBits;
        r.bytes = run.outputBytes;
        r.seconds = run.wallSeconds;
        r.label = "q" + std::to_string(run.id) + " " + run.method;
        if (std::isfinite(r.nominalBits))
            r.label += " (" + number(r.nominalBits, 4) + " bits)";
        auto values = latest(q.evals);
        if (!q.kl.empty()) { // the newest KL statistics against the FP16 model
            const store::KlStatsRecord &k = q.kl.front();
            values[{"vs FP16", "kl_mean"}] = k.klMean;
            values[{"vs FP16", "kl_p99"}] = k.klP99;
            values[{"vs FP16", "top1"}] = k.top1;
        }
        rows.emplace_back(r, std::move(values));
    }
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto &[row, values] : rows)
        for (const auto &[key, v] : values)
            if (std::find(keys.begin(), keys.end(), key) == keys.end())
                keys.push_back(key);
    std::stable_sort(keys.begin(), keys.end(), [](const auto &a, const auto &b) {
        return metricRank(a.second) < metricRank(b.second);
    });
    for (const auto &[task, metric] : keys)
        t.columns.push_back({task, metric});
    for (auto &[row, values] : rows) {
        for (const auto &key : keys) {
            const auto it = values.find(key);
            row.values.push_back(it == values.end() ? ResultRow::kUnknown : it->second);
        }
        t.rows.push_back(std::move(row));
    }
    return t;
}

std::string resultsCsv(const ResultsTable &table)
{
    std::string out = "run,method,nominal_bits,effective_bits,bytes,seconds";
    for (const ResultColumn &c : table.columns)
        out += "," + csvField(c.task + ":" + c.metric);
    out += "\n";
    for (const ResultRow &r : table.rows) {
        out += r.quantRunId ? std::string("q").append(std::to_string(*r.quantRunId))
                            : std::string("fp16:").append(std::to_string(r.modelId));
        for (const std::string &cell : {csvField(r.method), number(r.nominalBits), number(r.effectiveBits),
                                        r.bytes > 0 ? std::to_string(r.bytes) : std::string(), number(r.seconds)})
            out.append(",").append(cell);
        for (double v : r.values)
            out.append(",").append(number(v, 10));
        out += "\n";
    }
    return out;
}

std::string layersCsv(const ReportData &data)
{
    std::string out = "analysis_run,layer,dppl,dr,dE";
    for (const ReportQuantRun &q : data.quantRuns)
        out += ",bits_q" + std::to_string(q.detail.run.id);
    out += "\n";
    auto bitsCells = [&](int layer) {
        std::string s;
        for (const ReportQuantRun &q : data.quantRuns) {
            const auto l = static_cast<std::size_t>(layer);
            s.append(",");
            if (l < q.layerBitsText.size())
                s.append(csvField(q.layerBitsText[l]));
        }
        return s;
    };
    for (const ReportAnalysis &a : data.analyses)
        for (std::size_t i = 0; i < a.layers.size(); ++i) {
            out.append("a").append(std::to_string(a.detail.run.id));
            for (const std::string &cell : {std::to_string(a.layers[i]), number(a.dppl[i], 10),
                                            number(a.dr[i], 10), number(a.dE[i], 10)})
                out.append(",").append(cell);
            out.append(bitsCells(a.layers[i])).append("\n");
        }
    if (data.analyses.empty()) {
        std::size_t layers = 0;
        for (const ReportQuantRun &q : data.quantRuns)
            layers = std::max(layers, q.layerBitsText.size());
        for (std::size_t l = 0; l < layers; ++l)
            out.append(",").append(std::to_string(l)).append(",,,").append(bitsCells(static_cast<int>(l))).append("\n");
    }
    return out;
}

std::string reportJson(const ReportData &data, const ResultsTable &table)
{
    ojson j{{"schema", "lieq.report"}, {"schemaVersion", 1}, {"title", data.title},
            {"generated_at_ms", data.generatedAtMs}, {"store", data.storePath},
            {"store_schema", data.storeSchemaVersion}};
    ojson versions = ojson::object();
    for (const auto &[k, v] : data.versions)
        versions[k] = v;
    j["versions"] = versions;
    ojson models = ojson::array();
    for (const store::ModelRecord &m : data.models)
        models.push_back({{"id", m.id}, {"name", m.name}, {"path", m.path}, {"architecture", m.architecture},
                          {"layers", m.layerCount}, {"params", m.paramCount}, {"dtype", m.dtype},
                          {"bytes", m.bytes}, {"fingerprint", m.fingerprint}});
    j["models"] = models;
    ojson datasets = ojson::array();
    for (const store::DatasetRecord &d : data.datasets)
        datasets.push_back({{"id", d.id}, {"path", d.path}, {"kind", d.kind}, {"sha256", d.contentHash},
                            {"bytes", d.bytes}});
    j["datasets"] = datasets;
    ojson analyses = ojson::array();
    for (const ReportAnalysis &a : data.analyses) {
        ojson layers = ojson::array();
        for (std::size_t i = 0; i < a.layers.size(); ++i)
            layers.push_back({{"layer", a.layers[i]}, {"dppl", numberOrNull(a.dppl[i])},
                              {"dr", numberOrNull(a.dr[i])}, {"dE", numberOrNull(a.dE[i])}});
        ojson corr = ojson::array();
        for (const ReportCorrelation &c : a.correlations) {
            ojson cj{{"method", analysis::correlationMethodName(c.method)},
                     {"coefficient", numberOrNull(c.value.coefficient)},
                     {"p_value", numberOrNull(c.value.pValue)}, {"n", c.value.n},
                     {"p_method", c.value.pMethod}};
            if (c.ci.resamples > 0)
                cj["ci"] = {{"low", numberOrNull(c.ci.low)}, {"high", numberOrNull(c.ci.high)},
                            {"level", c.ci.level}, {"resamples", c.ci.resamples},
                            {"valid_resamples", c.ci.validResamples}, {"seed", c.ci.seed}};
            corr.push_back(cj);
        }
        const store::AnalysisRun &r = a.detail.run;
        analyses.push_back({{"id", "a" + std::to_string(r.id)}, {"model_id", r.modelId},
                            {"dataset_id", r.datasetId}, {"backend", r.backend},
                            {"status", store::runStatusName(r.status)},
                            {"settings", parsedOrText(r.settingsJson)}, {"timings", parsedOrText(r.timingsJson)},
                            {"wall_seconds", numberOrNull(r.wallSeconds)}, {"layers", layers},
                            {"dppl_vs_dr", corr}, {"note", a.correlationNote}});
    }
    j["analyses"] = analyses;
    ojson quant = ojson::array();
    for (const ReportQuantRun &q : data.quantRuns) {
        const store::QuantRun &r = q.detail.run;
        quant.push_back({{"id", "q" + std::to_string(r.id)}, {"model_id", r.modelId}, {"method", r.method},
                         {"status", store::runStatusName(r.status)}, {"plan", q.detail.plan.name},
                         {"plan_method", q.detail.plan.method}, {"budget_bits", q.detail.plan.budgetBits},
                         {"nominal_bits", numberOrNull(q.detail.plan.nominalBits)},
                         {"layer_bits", q.layerBits}, {"layer_bits_text", q.layerBitsText},
                         {"settings", parsedOrText(r.settingsJson)}, {"timings", parsedOrText(r.timingsJson)},
                         {"wall_seconds", numberOrNull(r.wallSeconds)}, {"output", r.outputPath},
                         {"output_bytes", r.outputBytes}});
    }
    j["quant_runs"] = quant;
    ojson cols = ojson::array();
    for (const ResultColumn &c : table.columns)
        cols.push_back({{"task", c.task}, {"metric", c.metric}});
    ojson rows = ojson::array();
    for (const ResultRow &r : table.rows) {
        ojson values = ojson::array();
        for (double v : r.values)
            values.push_back(numberOrNull(v));
        rows.push_back({{"label", r.label}, {"model_id", r.modelId},
                        {"quant_run", r.quantRunId ? ojson("q" + std::to_string(*r.quantRunId)) : ojson(nullptr)},
                        {"method", r.method}, {"nominal_bits", numberOrNull(r.nominalBits)},
                        {"effective_bits", numberOrNull(r.effectiveBits)}, {"bytes", r.bytes},
                        {"seconds", numberOrNull(r.seconds)}, {"values", values}});
    }
    j["results"] = {{"columns", cols}, {"rows", rows}};
    return j.dump(2) + "\n";
}

} // namespace lieq::exchange
