// ExperimentStore: bit plans, quantization runs with per-module losses, evaluation results
// (what issues 4 and 6 build on).
#include "core/store/experiment_store.h"

#include "core/store/database.h"
#include "core/store/fingerprint.h"
#include "core/store/statement.h"
#include "core/store/store_rows_impl.h"
#include "core/store/transaction.h"
#include "core/util/error.h"

namespace lieq::store {

std::int64_t ExperimentStore::addPlan(const Plan &plan)
{
    requireWritable();
    if (plan.method.empty())
        throw Error(m_db->path(), "plan needs a method");
    const std::string bits = canonicalJson(plan.bitsJson, m_db->path() + ": plan bits");
    const std::string settings = canonicalJson(plan.settingsJson, m_db->path() + ": plan settings");
    Transaction tx(*m_db);
    Statement st(*m_db, "INSERT INTO plans (model_id, source_run_id, name, method, budget_bits, "
                        "bits_json, nominal_bits, effective_bits, settings_json, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, plan.modelId).bind(2, plan.sourceRunId).bind(3, plan.name).bind(4, plan.method)
        .bind(5, plan.budgetBits).bind(6, bits).bind(7, plan.nominalBits)
        .bind(8, plan.effectiveBits).bind(9, settings).bind(10, nowMs());
    st.run();
    const std::int64_t id = m_db->lastInsertId();
    tx.commit();
    return id;
}

std::optional<Plan> ExperimentStore::plan(std::int64_t id)
{
    return queryRow(
        *m_db, std::string("SELECT ") + kPlanColumns + " FROM plans p WHERE p.id = ?",
        [](const Statement &st) { return readPlan(st); }, id);
}

std::vector<Plan> ExperimentStore::plans(std::optional<std::int64_t> modelId)
{
    return queryRows(
        *m_db,
        std::string("SELECT ") + kPlanColumns +
            " FROM plans p WHERE (?1 IS NULL OR p.model_id = ?1) ORDER BY p.id",
        [](const Statement &st) { return readPlan(st); }, modelId);
}

std::int64_t ExperimentStore::beginQuantRun(const QuantRunSpec &spec)
{
    requireWritable();
    if (spec.method.empty())
        throw Error(m_db->path(), "quantization run needs a method");
    return insertRunningRun(*m_db, {"quant_runs", "plan_id", spec.planId, spec.datasetId, "method",
                                    spec.method,
                                    canonicalJson(spec.settingsJson, m_db->path() + ": quant settings"),
                                    spec.seed});
}

void ExperimentStore::appendModuleLosses(std::int64_t runId, const std::vector<ModuleLoss> &rows)
{
    requireWritable();
    Transaction tx(*m_db);
    requireRunning("quant_runs", runId);
    Statement st(*m_db, "INSERT INTO quant_module_losses (run_id, layer, module, bits, loss, seconds) "
                        "VALUES (?, ?, ?, ?, ?, ?)");
    for (const ModuleLoss &r : rows) {
        st.bind(1, runId).bind(2, r.layer).bind(3, r.module).bind(4, r.bits).bind(5, r.loss)
            .bind(6, r.seconds);
        st.run();
    }
    tx.commit();
}

void ExperimentStore::setPendingOutput(std::int64_t runId, const std::string &outputPath,
                                       bool complete)
{
    requireWritable();
    Transaction tx(*m_db);
    requireRunning("quant_runs", runId);
    Statement st(*m_db, "UPDATE quant_runs SET output_path = ?, output_bytes = ? WHERE id = ?");
    st.bind(1, outputPath).bind(2, std::int64_t(complete ? 0 : -1)).bind(3, runId);
    st.run();
    tx.commit();
}

void ExperimentStore::finishQuantRun(std::int64_t runId, const RunOutcome &outcome,
                                     const std::string &outputPath, std::int64_t outputBytes)
{
    requireWritable();
    Transaction tx(*m_db);
    finishRun(*m_db, "quant_runs", runId, outcome, "finishQuantRun");
    Statement st(*m_db, "UPDATE quant_runs SET output_path = ?, output_bytes = ? WHERE id = ?");
    st.bind(1, outputPath).bind(2, outputBytes).bind(3, runId);
    st.run();
    tx.commit();
}

std::optional<std::int64_t> ExperimentStore::findReusableQuantRun(std::int64_t planId,
                                                                  std::optional<std::int64_t> datasetId,
                                                                  const std::string &settingsHash)
{
    return newestDoneRun(*m_db,
                         "quant_runs r WHERE r.plan_id = ? AND r.dataset_id IS ? "
                         "AND r.settings_hash = ?",
                         planId, datasetId, settingsHash);
}

std::optional<QuantRunDetail> ExperimentStore::loadQuantRun(std::int64_t id)
{
    return queryRowWithChildren(
        *m_db,
        std::string("SELECT ") + kQuantColumns + ", " + kPlanColumns +
            " FROM quant_runs q JOIN plans p ON p.id = q.plan_id WHERE q.id = ?",
        readQuantRunDetail, id,
        childRows(&QuantRunDetail::losses,
                  "SELECT layer, module, bits, loss, seconds FROM quant_module_losses "
                  "WHERE run_id = ? ORDER BY layer, module",
                  [](ModuleLoss &l) {
                      return std::tie(l.layer, l.module, l.bits, l.loss, l.seconds);
                  }));
}

std::vector<std::int64_t> ExperimentStore::addEvalResults(const std::vector<EvalResult> &rows)
{
    requireWritable();
    Transaction tx(*m_db);
    Statement modelOfRun(*m_db, "SELECT p.model_id FROM quant_runs q JOIN plans p "
                                "ON p.id = q.plan_id WHERE q.id = ?");
    Statement ins(*m_db, "INSERT INTO eval_results (model_id, quant_run_id, dataset_id, task, "
                         "metric, value, stderr, n, settings_json, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    std::vector<std::int64_t> ids;
    for (const EvalResult &r : rows) {
        if (r.task.empty() || r.metric.empty())
            throw Error(m_db->path(), "evaluation result needs a task and a metric");
        std::int64_t modelId = r.modelId;
        if (r.quantRunId) {
            // The model of a quantized result is its plan's model, whatever the caller says.
            modelOfRun.bind(1, *r.quantRunId);
            if (!modelOfRun.step())
                throw Error(m_db->path(), "evaluation result names quantization run " +
                                              std::to_string(*r.quantRunId) + ", which does not exist");
            modelId = modelOfRun.columnInt(0);
            modelOfRun.reset();
        }
        const std::string settings = canonicalJson(r.settingsJson, m_db->path() + ": eval settings");
        ins.bind(1, modelId).bind(2, r.quantRunId).bind(3, r.datasetId).bind(4, r.task)
            .bind(5, r.metric).bind(6, r.value).bind(7, r.stderrValue).bind(8, r.n)
            .bind(9, settings).bind(10, nowMs());
        ins.run();
        ids.push_back(m_db->lastInsertId());
    }
    tx.commit();
    return ids;
}

std::vector<EvalResult> ExperimentStore::evalResults(const EvalFilter &f)
{
    const auto read = recordReader<EvalResult>([](EvalResult &r) {
        return std::tie(r.id, r.modelId, r.quantRunId, r.datasetId, r.task, r.metric, r.value, r.stderrValue, r.n,
                        r.settingsJson, r.createdAtMs);
    });
    return queryRows(*m_db,
                     "SELECT id, model_id, quant_run_id, dataset_id, task, metric, value, "
                     "stderr, n, settings_json, created_at FROM eval_results "
                     "WHERE (?1 IS NULL OR model_id = ?1) AND (?2 IS NULL OR quant_run_id = ?2) "
                     "AND (?3 = 0 OR quant_run_id IS NULL) AND (?4 = '' OR task = ?4) ORDER BY id",
                     read, f.modelId, f.quantRunId, f.baselineOnly ? 1 : 0, f.task);
}

} // namespace lieq::store
