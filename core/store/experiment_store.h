#pragma once

#include "core/store/records.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lieq::store {

class Database;

// The experiment store: one SQLite file holding models, datasets, analysis runs with their
// per-layer and per-projection metrics, bit plans, quantization runs and evaluation results.
// Every write is one transaction (a run's metrics are appended one layer per transaction as
// they stream), so a crash or cancel never leaves half a layer behind. Runs found "running"
// on open whose process is gone are marked "interrupted".
//
// Errors are lieq::Error naming the database file. Not thread-safe: open one store per
// thread (WAL and the busy timeout let a GUI and a CLI use the same file at once).
class ExperimentStore
{
public:
    enum class Access { ReadWrite, ReadOnly };

    // $LIEQ_STORE if set, else $XDG_DATA_HOME (or ~/.local/share)/lieq-workbench/experiments.sqlite
    static std::string defaultPath();

    // Empty path -> defaultPath(). Creates the file (and its folder) and migrates the schema
    // when needed. A file that is not an SQLite database, belongs to another program or comes
    // from a newer build is refused and left untouched. ReadOnly never writes (no migration,
    // no interrupted marking) and needs an up-to-date schema.
    explicit ExperimentStore(std::string path = {}, Access access = Access::ReadWrite);
    ~ExperimentStore();
    ExperimentStore(const ExperimentStore &) = delete;
    ExperimentStore &operator=(const ExperimentStore &) = delete;

    const std::string &path() const;
    int schemaVersion();
    int interruptedOnOpen() const { return m_interruptedOnOpen; } // runs marked on open
    Database &database();

    // Models and datasets: insert or update by fingerprint / (content hash, kind); returns id.
    std::int64_t upsertModel(const ModelRecord &m);
    std::int64_t upsertDataset(const DatasetRecord &d);
    std::optional<ModelRecord> model(std::int64_t id);
    std::optional<ModelRecord> modelByFingerprint(const std::string &fingerprint);
    std::vector<ModelRecord> models();
    std::optional<DatasetRecord> dataset(std::int64_t id);
    std::vector<DatasetRecord> datasets();
    // Cascades to its runs, plans and results.
    bool deleteModel(std::int64_t id) { return deleteRow("models", id); }

    // Analysis runs.
    std::int64_t beginAnalysisRun(const AnalysisRunSpec &spec); // status "running"
    // One layer's rows (layer metrics and projection metrics), one transaction. The run must
    // still be running; duplicates of an already stored (layer, metric) are an error.
    void appendLayerMetrics(std::int64_t runId, const std::vector<LayerMetric> &layerRows,
                            const std::vector<ProjectionMetric> &projectionRows = {});
    void finishAnalysisRun(std::int64_t runId, const RunOutcome &outcome);
    // Newest finished ("done") run of this model fingerprint, dataset hash and settings hash.
    std::optional<std::int64_t> findReusableAnalysisRun(const std::string &modelFingerprint,
                                                        const std::string &datasetHash,
                                                        const std::string &settingsHash);
    std::optional<AnalysisRun> analysisRun(std::int64_t id);
    std::optional<AnalysisRunDetail> loadAnalysisRun(std::int64_t id);
    // Cascades to its metrics; plans keep, unlinked.
    bool deleteAnalysisRun(std::int64_t id) { return deleteRow("analysis_runs", id); }

    // History across both run kinds, newest first, with paging.
    RunPage listRuns(const RunFilter &filter = {});

    // Plans.
    std::int64_t addPlan(const Plan &plan);
    std::optional<Plan> plan(std::int64_t id);
    std::vector<Plan> plans(std::optional<std::int64_t> modelId = std::nullopt);
    // Cascades to its quant runs and their results.
    bool deletePlan(std::int64_t id) { return deleteRow("plans", id); }

    // Quantization runs.
    std::int64_t beginQuantRun(const QuantRunSpec &spec);
    void appendModuleLosses(std::int64_t runId, const std::vector<ModuleLoss> &rows);
    // Records, while the run is still running, the folder it is writing (`complete` false:
    // writeFolderAtomic's Writing step) or about to put in place (true: its Placing step); kept as
    // output_path with output_bytes -1 or 0. If its process dies before finishQuantRun, the next
    // open removes the partial temporary (removeFolderTemporary) or undoes the folder
    // (undoFolderAtomic): a folder under that name then belongs to a finished run only, and no
    // partial folder is left.
    void setPendingOutput(std::int64_t runId, const std::string &outputPath, bool complete);
    void finishQuantRun(std::int64_t runId, const RunOutcome &outcome,
                        const std::string &outputPath = {}, std::int64_t outputBytes = 0);
    std::optional<std::int64_t> findReusableQuantRun(std::int64_t planId,
                                                     std::optional<std::int64_t> datasetId,
                                                     const std::string &settingsHash);
    std::optional<QuantRunDetail> loadQuantRun(std::int64_t id);
    // Cascades to losses and eval results.
    bool deleteQuantRun(std::int64_t id) { return deleteRow("quant_runs", id); }

    // Evaluation results (all rows of one call in one transaction); returns their ids.
    std::vector<std::int64_t> addEvalResults(const std::vector<EvalResult> &rows);
    std::vector<EvalResult> evalResults(const EvalFilter &filter = {});
    bool deleteEvalResult(std::int64_t id) { return deleteRow("eval_results", id); }

    // KL statistics against an FP16 reference (one transaction per row); newest first.
    // A row naming a quantization run takes that run's plan's model as its model.
    std::int64_t addKlStats(const KlStatsRecord &record);
    std::vector<KlStatsRecord> klStats(const KlStatsFilter &filter = {});
    bool deleteKlStats(std::int64_t id) { return deleteRow("kl_stats", id); }

    // Exports (GGUF, GPTQ, reports, bundles): where they went, newest first.
    std::int64_t addExport(const ExportRecord &record);
    std::vector<ExportRecord> exports(const ExportFilter &filter = {});
    bool deleteExport(std::int64_t id) { return deleteRow("exports", id); }

private:
    int markInterruptedRuns();
    void requireWritable() const;
    void requireRunning(const char *table, std::int64_t runId);
    // The deletes above: requireWritable, then row `id` of `table` (deleteById), what refers to
    // it going with it; whether it existed.
    bool deleteRow(const char *table, std::int64_t id);

    std::unique_ptr<Database> m_db;
    bool m_readOnly = false;
    int m_interruptedOnOpen = 0;
};

// Undoes the checkpoint folder `dir` that run `runId`'s process `pid` was putting in place
// (undoFolderAtomic), keeping a complete new folder as dir + ".interrupted-run<ID>": for a run
// that died (the store's recovery on open) or failed after the rename (the quantize job). Returns
// what to add to the run's error text.
std::string setAsideRunOutput(const std::string &dir, std::int64_t runId, long pid);

} // namespace lieq::store
