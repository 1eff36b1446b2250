// ExperimentStore::listRuns: one history across analysis and quantization runs.
#include "core/store/experiment_store.h"

#include "core/store/database.h"
#include "core/store/statement.h"
#include "core/store/store_rows_impl.h"

namespace lieq::store {

namespace {

// Both run kinds in one column layout; filters apply to the union so paging is global.
const char *const kRunsUnion = R"SQL(
SELECT * FROM (
    SELECT 'analysis' AS kind, r.id AS id, r.model_id AS model_id, m.name AS model_name,
           m.path AS model_path, r.dataset_id AS dataset_id, d.path AS dataset_path,
           r.backend AS backend, r.status AS status, r.error_text AS error_text,
           NULL AS plan_id,
           (SELECT count(DISTINCT l.layer) FROM analysis_layer_metrics l WHERE l.run_id = r.id)
               AS layer_rows,
           r.wall_seconds AS wall_seconds, r.created_at AS created_at,
           r.finished_at AS finished_at, m.fingerprint AS fingerprint
    FROM analysis_runs r JOIN models m ON m.id = r.model_id
    LEFT JOIN datasets d ON d.id = r.dataset_id
    UNION ALL
    SELECT 'quant', q.id, p.model_id, m.name, m.path, q.dataset_id, d.path, q.method, q.status,
           q.error_text, q.plan_id,
           (SELECT count(DISTINCT l.layer) FROM quant_module_losses l WHERE l.run_id = q.id),
           q.wall_seconds, q.created_at, q.finished_at, m.fingerprint
    FROM quant_runs q JOIN plans p ON p.id = q.plan_id JOIN models m ON m.id = p.model_id
    LEFT JOIN datasets d ON d.id = q.dataset_id
)
WHERE (?1 IS NULL OR model_id = ?1)
  AND (?2 = '' OR instr(model_name, ?2) > 0 OR instr(model_path, ?2) > 0
       OR substr(fingerprint, 1, length(?2)) = ?2)
  AND (?3 IS NULL OR dataset_id = ?3)
  AND (?4 = '' OR kind = ?4)
  AND (?5 = '' OR backend = ?5)
  AND (?6 = '' OR status = ?6)
)SQL";

void bindFilter(Statement &st, const RunFilter &f)
{
    st.bind(1, f.modelId).bind(2, f.model).bind(3, f.datasetId)
        .bind(4, f.kind ? runKindName(*f.kind) : std::string())
        .bind(5, f.backend)
        .bind(6, f.status ? runStatusName(*f.status) : std::string());
}

} // namespace

RunPage ExperimentStore::listRuns(const RunFilter &filter)
{
    ReadSnapshot snapshot(*m_db); // total and page from the same state
    RunPage page;
    {
        Statement count(*m_db, std::string("SELECT count(*) FROM (") + kRunsUnion + ")");
        bindFilter(count, filter);
        if (count.step())
            page.total = count.columnInt(0);
    }
    Statement st(*m_db, std::string(kRunsUnion) +
                            " ORDER BY created_at DESC, kind, id DESC LIMIT ?7 OFFSET ?8");
    bindFilter(st, filter);
    st.bind(7, filter.limit > 0 ? filter.limit : -1).bind(8, filter.offset > 0 ? filter.offset : 0);
    while (st.step()) {
        RunSummary s;
        readColumns(st, 0, s.kind, s.id, s.modelId, s.modelName, s.modelPath, s.datasetId,
                    s.datasetPath, s.backend, s.status, s.errorText, s.planId, s.layerRows,
                    s.wallSeconds, s.createdAtMs, s.finishedAtMs);
        page.runs.push_back(std::move(s));
    }
    return page;
}

} // namespace lieq::store
