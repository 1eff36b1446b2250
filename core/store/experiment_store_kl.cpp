// KL statistics rows (schema v4): a model, usually a quantization run, against its FP16
// reference on one text, as llama.cpp's --kl-divergence reports it. The headline figures are
// columns (the Runs table sorts and filters on them); the whole statistics object is JSON.
#include "core/store/experiment_store.h"

#include "core/store/database.h"
#include "core/store/fingerprint.h"
#include "core/store/statement.h"
#include "core/store/store_rows_impl.h"
#include "core/store/transaction.h"
#include "core/util/error.h"

namespace lieq::store {

std::int64_t ExperimentStore::addKlStats(const KlStatsRecord &r)
{
    requireWritable();
    Transaction tx(*m_db);
    std::int64_t modelId = r.modelId;
    if (r.quantRunId) {
        // The model of a quantized result is its plan's model, whatever the caller says.
        Statement st(*m_db, "SELECT p.model_id FROM quant_runs q JOIN plans p ON p.id = q.plan_id "
                            "WHERE q.id = ?");
        st.bind(1, *r.quantRunId);
        if (!st.step())
            throw Error(m_db->path(), "KL statistics name quantization run " +
                                          std::to_string(*r.quantRunId) + ", which does not exist");
        modelId = st.columnInt(0);
    }
    if (modelId <= 0 || r.referenceModelId <= 0)
        throw Error(m_db->path(), "KL statistics need the evaluated and the reference model");
    const std::string stats = canonicalJson(r.statsJson, m_db->path() + ": KL statistics");
    const std::string settings = canonicalJson(r.settingsJson, m_db->path() + ": KL settings");
    Statement ins(*m_db,
                  "INSERT INTO kl_stats (model_id, quant_run_id, reference_model_id, dataset_id, "
                  "windows, seqlen, positions, kl_mean, kl_stderr, kl_max, kl_p99, kl_median, "
                  "top1, delta_p_rms, ppl_ratio, ln_ppl_correlation, stats_json, settings_json, "
                  "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, modelId).bind(2, r.quantRunId).bind(3, r.referenceModelId).bind(4, r.datasetId)
        .bind(5, r.windows).bind(6, r.seqlen).bind(7, r.positions).bind(8, r.klMean)
        .bind(9, r.klStderr).bind(10, r.klMax).bind(11, r.klP99).bind(12, r.klMedian)
        .bind(13, r.top1).bind(14, r.deltaPRms).bind(15, r.pplRatio).bind(16, r.lnPplCorrelation)
        .bind(17, stats).bind(18, settings).bind(19, nowMs());
    const std::int64_t id = ins.insert();
    tx.commit();
    return id;
}

std::vector<KlStatsRecord> ExperimentStore::klStats(const KlStatsFilter &f)
{
    const auto read = recordReader<KlStatsRecord>([](KlStatsRecord &r) {
        return std::tie(r.id, r.modelId, r.quantRunId, r.referenceModelId, r.datasetId, r.windows, r.seqlen,
                        r.positions, r.klMean, r.klStderr, r.klMax, r.klP99, r.klMedian, r.top1, r.deltaPRms,
                        r.pplRatio, r.lnPplCorrelation, r.statsJson, r.settingsJson, r.createdAtMs);
    });
    return queryRows(
        *m_db,
        "SELECT id, model_id, quant_run_id, reference_model_id, dataset_id, windows, "
        "seqlen, positions, kl_mean, kl_stderr, kl_max, kl_p99, kl_median, top1, "
        "delta_p_rms, ppl_ratio, ln_ppl_correlation, stats_json, settings_json, created_at "
        "FROM kl_stats WHERE (?1 IS NULL OR model_id = ?1) "
        "AND (?2 IS NULL OR quant_run_id = ?2) ORDER BY id DESC",
        read, f.modelId, f.quantRunId);
}

} // namespace lieq::store
