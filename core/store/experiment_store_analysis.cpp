// ExperimentStore: analysis runs and their metric rows (the part issue 3 needs).
#include "core/store/experiment_store.h"

#include "core/store/database.h"
#include "core/store/fingerprint.h"
#include "core/store/statement.h"
#include "core/store/store_rows_impl.h"
#include "core/store/transaction.h"
#include "core/util/error.h"

namespace lieq::store {

std::int64_t ExperimentStore::beginAnalysisRun(const AnalysisRunSpec &spec)
{
    requireWritable();
    return insertRunningRun(*m_db, {"analysis_runs", "model_id", spec.modelId, spec.datasetId, "backend",
                                    spec.backend,
                                    canonicalJson(spec.settingsJson, m_db->path() + ": run settings"),
                                    spec.seed});
}

void ExperimentStore::appendLayerMetrics(std::int64_t runId, const std::vector<LayerMetric> &layerRows,
                                         const std::vector<ProjectionMetric> &projectionRows)
{
    requireWritable();
    Transaction tx(*m_db);
    requireRunning("analysis_runs", runId);
    if (!layerRows.empty()) {
        Statement st(*m_db, "INSERT INTO analysis_layer_metrics (run_id, layer, metric, value) "
                            "VALUES (?, ?, ?, ?)");
        for (const LayerMetric &r : layerRows) {
            st.bind(1, runId).bind(2, r.layer).bind(3, r.metric).bind(4, r.value);
            st.run();
        }
    }
    if (!projectionRows.empty()) {
        Statement st(*m_db, "INSERT INTO analysis_projection_metrics "
                            "(run_id, layer, projection, metric, head, value) "
                            "VALUES (?, ?, ?, ?, ?, ?)");
        for (const ProjectionMetric &r : projectionRows) {
            st.bind(1, runId).bind(2, r.layer).bind(3, r.projection).bind(4, r.metric)
                .bind(5, r.head).bind(6, r.value);
            st.run();
        }
    }
    tx.commit();
}

void ExperimentStore::finishAnalysisRun(std::int64_t runId, const RunOutcome &outcome)
{
    requireWritable();
    finishRun(*m_db, "analysis_runs", runId, outcome, "finishAnalysisRun");
}

std::optional<std::int64_t> ExperimentStore::findReusableAnalysisRun(const std::string &modelFingerprint,
                                                                     const std::string &datasetHash,
                                                                     const std::string &settingsHash)
{
    return newestDoneRun(*m_db,
                         "analysis_runs r JOIN models m ON m.id = r.model_id "
                         "JOIN datasets d ON d.id = r.dataset_id "
                         "WHERE m.fingerprint = ? AND d.content_hash = ? AND r.settings_hash = ?",
                         modelFingerprint, datasetHash, settingsHash);
}

std::optional<AnalysisRun> ExperimentStore::analysisRun(std::int64_t id)
{
    return queryRow(
        *m_db, std::string("SELECT ") + kAnalysisColumns + " FROM analysis_runs r WHERE r.id = ?",
        [](const Statement &st) { return readAnalysisRun(st); }, id);
}

std::optional<AnalysisRunDetail> ExperimentStore::loadAnalysisRun(std::int64_t id)
{
    return queryRowWithChildren(
        *m_db,
        std::string("SELECT ") + kAnalysisColumns + ", " + kModelColumns + ", " + kDatasetColumns +
            " FROM analysis_runs r JOIN models m ON m.id = r.model_id "
            "JOIN datasets d ON d.id = r.dataset_id WHERE r.id = ?",
        readAnalysisRunDetail, id,
        childRows(&AnalysisRunDetail::layers,
                  "SELECT layer, metric, value FROM analysis_layer_metrics WHERE run_id = ? "
                  "ORDER BY layer, metric",
                  [](LayerMetric &m) { return std::tie(m.layer, m.metric, m.value); }),
        childRows(&AnalysisRunDetail::projections,
                  "SELECT layer, projection, metric, head, value FROM analysis_projection_metrics "
                  "WHERE run_id = ? ORDER BY layer, projection, metric, ifnull(head, -1)",
                  [](ProjectionMetric &p) {
                      return std::tie(p.layer, p.projection, p.metric, p.head, p.value);
                  }));
}

} // namespace lieq::store
