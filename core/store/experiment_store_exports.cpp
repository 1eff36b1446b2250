// ExperimentStore: where exports went (issue 11), so History can list them per run.
#include "core/store/experiment_store.h"

#include "core/store/database.h"
#include "core/store/fingerprint.h"
#include "core/store/statement.h"
#include "core/store/store_rows_impl.h"
#include "core/util/error.h"

namespace lieq::store {

std::int64_t ExperimentStore::addExport(const ExportRecord &r)
{
    requireWritable();
    if (r.kind.empty() || r.path.empty())
        throw Error(m_db->path(), "an export record needs a kind and a path");
    if (!r.quantRunId && !r.analysisRunId && !r.modelId)
        throw Error(m_db->path(), "export of '" + r.path + "' names no run and no model");
    const std::string settings = canonicalJson(r.settingsJson, m_db->path() + ": export settings");
    const std::string summary = canonicalJson(r.summaryJson, m_db->path() + ": export summary");
    Statement st(*m_db, "INSERT INTO exports (quant_run_id, analysis_run_id, model_id, kind, path, bytes, "
                        "sha256, settings_json, summary_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, r.quantRunId).bind(2, r.analysisRunId).bind(3, r.modelId).bind(4, r.kind).bind(5, r.path)
        .bind(6, r.bytes).bind(7, r.sha256).bind(8, settings).bind(9, summary)
        .bind(10, r.createdAtMs > 0 ? r.createdAtMs : nowMs());
    return st.insert();
}

std::vector<ExportRecord> ExperimentStore::exports(const ExportFilter &f)
{
    const auto read = recordReader<ExportRecord>([](ExportRecord &r) {
        return std::tie(r.id, r.quantRunId, r.analysisRunId, r.modelId, r.kind, r.path, r.bytes, r.sha256,
                        r.settingsJson, r.summaryJson, r.createdAtMs);
    });
    return queryRows(
        *m_db,
        "SELECT id, quant_run_id, analysis_run_id, model_id, kind, path, bytes, sha256, "
        "settings_json, summary_json, created_at FROM exports "
        "WHERE (?1 IS NULL OR quant_run_id = ?1) AND (?2 IS NULL OR analysis_run_id = ?2) "
        "AND (?3 IS NULL OR model_id = ?3) AND (?4 = '' OR kind = ?4) "
        "ORDER BY created_at DESC, id DESC LIMIT ?5",
        read, f.quantRunId, f.analysisRunId, f.modelId, f.kind,
        static_cast<std::int64_t>(f.limit > 0 ? f.limit : -1));
}

} // namespace lieq::store
