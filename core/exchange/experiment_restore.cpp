#include "core/exchange/experiment_restore.h"

#include "core/exchange/experiment_snapshot.h"
#include "core/store/database.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/store/statement.h"
#include "core/store/transaction.h"
#include "core/util/error.h"
#include "core/util/json_text.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <type_traits>
#include <optional>

namespace lieq::exchange {

namespace {

using json = nlohmann::json;
using Ids = std::map<std::int64_t, std::int64_t>;

// Typed access to the untrusted document; every failure names the source and the field.
class Fields
{
public:
    Fields(const json &obj, std::string where, const std::string &source)
        : m_obj(obj), m_where(std::move(where)), m_source(source)
    {
        if (!obj.is_object())
            fail("", "is not an object");
    }
    template <typename T>
    T get(const char *key) const
    {
        if (!m_obj.contains(key))
            fail(key, "is missing");
        // nlohmann converts a float such as 1e300 to an integer with undefined behaviour.
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
            if (!m_obj.at(key).is_number_integer())
                fail(key, "has the wrong type"); // e.g. a float where an integer belongs
        try {
            return m_obj.at(key).get<T>();
        } catch (const json::exception &) {
            fail(key, "has the wrong type");
        }
    }
    template <typename T>
    std::optional<T> optional(const char *key) const
    {
        if (!m_obj.contains(key) || m_obj.at(key).is_null())
            return std::nullopt;
        return get<T>(key);
    }
    double number(const char *key) const // null -> NaN (NaN travels as null in JSON)
    {
        return optional<double>(key).value_or(store::kNoValue);
    }
    const json &array(const char *key) const
    {
        if (!m_obj.contains(key) || !m_obj.at(key).is_array())
            fail(key, "is not an array");
        return m_obj.at(key);
    }
    [[noreturn]] void fail(const std::string &key, const std::string &what) const
    {
        throw Error(m_source, "experiment snapshot: " + m_where + (key.empty() ? "" : "." + key) + " " + what);
    }

private:
    const json &m_obj;
    std::string m_where;
    const std::string &m_source;
};

std::int64_t mapped(const Ids &ids, std::int64_t id, const Fields &f, const char *key)
{
    const auto it = ids.find(id);
    if (it == ids.end())
        f.fail(key, "refers to " + std::to_string(id) + ", which the snapshot does not hold");
    return it->second;
}

std::optional<std::int64_t> existing(store::Database &db, const std::string &sql,
                                     const std::function<void(store::Statement &)> &bind)
{
    store::Statement st(db, sql);
    bind(st);
    if (st.step())
        return st.columnInt(0);
    return std::nullopt;
}

// Puts back what the store's API stamps with "now" and this process.
void restoreTimes(store::Database &db, const char *table, std::int64_t id, std::int64_t created,
                  std::optional<std::int64_t> finished, bool owned)
{
    std::string sql = std::string("UPDATE ") + table + " SET created_at = ?";
    if (owned)
        sql += ", finished_at = ?, owner_host = '', owner_pid = 0";
    sql += " WHERE id = ?";
    store::Statement st(db, sql);
    st.bind(1, created);
    if (owned)
        st.bind(2, finished).bind(3, id);
    else
        st.bind(2, id);
    st.run();
}

store::RunStatus finishedStatus(const Fields &f)
{
    store::RunStatus s;
    try {
        s = store::runStatusFromString(f.get<std::string>("status"));
    } catch (const Error &) {
        f.fail("status", "is not a run status");
    }
    return s == store::RunStatus::Running ? store::RunStatus::Interrupted : s;
}

struct Restorer
{
    store::ExperimentStore &store;
    store::Database &db;
    const std::string &source;
    const RestoreOptions &options;
    RestoreResult result;
    Ids models, datasets, analyses, plans, quants;

    void model(const json &j, std::size_t i)
    {
        const Fields f(j, "models[" + std::to_string(i) + "]", source);
        store::ModelRecord m;
        m.path = f.get<std::string>("path");
        m.name = f.get<std::string>("name");
        m.fingerprint = f.get<std::string>("fingerprint");
        m.architecture = f.get<std::string>("architecture");
        m.layerCount = f.get<std::int64_t>("layer_count");
        m.paramCount = f.get<std::int64_t>("param_count");
        m.dtype = f.get<std::string>("dtype");
        m.bytes = f.get<std::int64_t>("bytes");
        if (m.fingerprint.empty())
            f.fail("fingerprint", "is empty");
        if (auto have = store.modelByFingerprint(m.fingerprint)) {
            models[f.get<std::int64_t>("id")] = have->id; // the local record (path) stays
            return;
        }
        models[f.get<std::int64_t>("id")] = store.upsertModel(m);
        ++result.added;
    }

    void dataset(const json &j, std::size_t i)
    {
        const Fields f(j, "datasets[" + std::to_string(i) + "]", source);
        store::DatasetRecord d;
        d.path = f.get<std::string>("path");
        d.kind = f.get<std::string>("kind");
        d.contentHash = f.get<std::string>("content_hash");
        d.bytes = f.get<std::int64_t>("bytes");
        for (const store::DatasetRecord &have : store.datasets())
            if (have.contentHash == d.contentHash && have.kind == d.kind) {
                datasets[f.get<std::int64_t>("id")] = have.id;
                return;
            }
        datasets[f.get<std::int64_t>("id")] = store.upsertDataset(d);
        ++result.added;
    }

    void analysisRun(const json &j, std::size_t i)
    {
        const Fields f(j, "analysis_runs[" + std::to_string(i) + "]", source);
        store::AnalysisRunSpec spec;
        spec.modelId = mapped(models, f.get<std::int64_t>("model_id"), f, "model_id");
        spec.datasetId = mapped(datasets, f.get<std::int64_t>("dataset_id"), f, "dataset_id");
        spec.backend = f.get<std::string>("backend");
        spec.settingsJson = f.get<std::string>("settings_json");
        spec.seed = f.optional<std::int64_t>("seed");
        const auto created = f.get<std::int64_t>("created_at");
        const std::string hash = store::settingsHash(spec.settingsJson);
        const auto have = existing(db, "SELECT id FROM analysis_runs WHERE model_id = ? AND dataset_id = ? "
                                       "AND settings_hash = ? AND created_at = ?",
                                   [&](store::Statement &st) {
                                       st.bind(1, spec.modelId).bind(2, spec.datasetId).bind(3, hash).bind(4, created);
                                   });
        if (have) {
            analyses[f.get<std::int64_t>("id")] = *have;
            result.runs.push_back({store::RunKind::Analysis, *have});
            ++result.alreadyPresent;
            return;
        }
        std::vector<store::LayerMetric> layers;
        for (const json &row : f.array("layer_metrics")) {
            if (!row.is_array() || row.size() != 3)
                f.fail("layer_metrics", "holds a row that is not [layer, metric, value]");
            try {
                layers.push_back({row[0].get<int>(), row[1].get<std::string>(),
                                  row[2].is_null() ? store::kNoValue : row[2].get<double>()});
            } catch (const json::exception &) {
                f.fail("layer_metrics", "holds a row of the wrong types");
            }
        }
        std::vector<store::ProjectionMetric> projections;
        for (const json &row : f.array("projection_metrics")) {
            if (!row.is_array() || row.size() != 5)
                f.fail("projection_metrics", "holds a row that is not [layer, projection, metric, head, value]");
            try {
                projections.push_back({row[0].get<int>(), row[1].get<std::string>(), row[2].get<std::string>(),
                                       row[3].is_null() ? std::nullopt : std::optional<int>(row[3].get<int>()),
                                       row[4].is_null() ? store::kNoValue : row[4].get<double>()});
            } catch (const json::exception &) {
                f.fail("projection_metrics", "holds a row of the wrong types");
            }
        }
        const std::int64_t id = store.beginAnalysisRun(spec);
        store.appendLayerMetrics(id, layers, projections);
        store.finishAnalysisRun(id, store::RunOutcome(finishedStatus(f), f.get<std::string>("error"),
                                                      f.get<std::string>("timings_json"), f.number("wall_seconds")));
        restoreTimes(db, "analysis_runs", id, created, f.optional<std::int64_t>("finished_at"), true);
        analyses[f.get<std::int64_t>("id")] = id;
        result.runs.push_back({store::RunKind::Analysis, id});
        ++result.added;
    }

    void plan(const json &j, std::size_t i)
    {
        const Fields f(j, "plans[" + std::to_string(i) + "]", source);
        store::Plan p;
        p.modelId = mapped(models, f.get<std::int64_t>("model_id"), f, "model_id");
        if (const auto src = f.optional<std::int64_t>("source_run_id"))
            if (const auto it = analyses.find(*src); it != analyses.end())
                p.sourceRunId = it->second; // a source run left out of the bundle stays unlinked
        p.name = f.get<std::string>("name");
        p.method = f.get<std::string>("method");
        p.budgetBits = f.get<double>("budget_bits");
        p.bitsJson = f.get<std::string>("bits_json");
        p.nominalBits = f.number("nominal_bits");
        p.effectiveBits = f.number("effective_bits");
        p.settingsJson = f.get<std::string>("settings_json");
        const auto created = f.get<std::int64_t>("created_at");
        const std::string bits = store::canonicalJson(p.bitsJson, source + ": plan bits");
        const auto have = existing(db, "SELECT id FROM plans WHERE model_id = ? AND created_at = ? AND bits_json = ?",
                                   [&](store::Statement &st) { st.bind(1, p.modelId).bind(2, created).bind(3, bits); });
        if (have) {
            plans[f.get<std::int64_t>("id")] = *have;
            ++result.alreadyPresent;
            return;
        }
        const std::int64_t id = store.addPlan(p);
        restoreTimes(db, "plans", id, created, std::nullopt, false);
        plans[f.get<std::int64_t>("id")] = id;
        ++result.added;
    }

    void quantRun(const json &j, std::size_t i)
    {
        const Fields f(j, "quant_runs[" + std::to_string(i) + "]", source);
        const auto sourceId = f.get<std::int64_t>("id");
        store::QuantRunSpec spec;
        spec.planId = mapped(plans, f.get<std::int64_t>("plan_id"), f, "plan_id");
        if (const auto ds = f.optional<std::int64_t>("dataset_id"))
            spec.datasetId = mapped(datasets, *ds, f, "dataset_id");
        spec.method = f.get<std::string>("method");
        spec.settingsJson = f.get<std::string>("settings_json");
        spec.seed = f.optional<std::int64_t>("seed");
        const auto created = f.get<std::int64_t>("created_at");
        const std::string hash = store::settingsHash(spec.settingsJson);
        const auto have = existing(db, "SELECT id FROM quant_runs WHERE plan_id = ? AND settings_hash = ? "
                                       "AND created_at = ?",
                                   [&](store::Statement &st) { st.bind(1, spec.planId).bind(2, hash).bind(3, created); });
        std::string output = f.get<std::string>("output_path");
        if (const auto it = options.outputPaths.find(sourceId); it != options.outputPaths.end())
            output = it->second;
        if (have) {
            if (options.outputPaths.count(sourceId)) {
                store::Statement st(db, "UPDATE quant_runs SET output_path = ? WHERE id = ?");
                st.bind(1, output).bind(2, *have);
                st.run();
            }
            quants[sourceId] = *have;
            result.runs.push_back({store::RunKind::Quant, *have});
            ++result.alreadyPresent;
            return;
        }
        std::vector<store::ModuleLoss> losses;
        for (const json &row : f.array("losses")) {
            if (!row.is_array() || row.size() != 5)
                f.fail("losses", "holds a row that is not [layer, module, bits, loss, seconds]");
            try {
                losses.push_back({row[0].get<int>(), row[1].get<std::string>(),
                                  row[2].is_null() ? std::nullopt : std::optional<int>(row[2].get<int>()),
                                  row[3].is_null() ? store::kNoValue : row[3].get<double>(),
                                  row[4].is_null() ? store::kNoValue : row[4].get<double>()});
            } catch (const json::exception &) {
                f.fail("losses", "holds a row of the wrong types");
            }
        }
        const std::int64_t id = store.beginQuantRun(spec);
        if (!losses.empty())
            store.appendModuleLosses(id, losses);
        store.finishQuantRun(id,
                             store::RunOutcome(finishedStatus(f), f.get<std::string>("error"),
                                               f.get<std::string>("timings_json"), f.number("wall_seconds")),
                             output, f.get<std::int64_t>("output_bytes"));
        restoreTimes(db, "quant_runs", id, created, f.optional<std::int64_t>("finished_at"), true);
        quants[sourceId] = id;
        result.runs.push_back({store::RunKind::Quant, id});
        ++result.added;
    }

    void eval(const json &j, std::size_t i)
    {
        const Fields f(j, "evals[" + std::to_string(i) + "]", source);
        store::EvalResult e;
        e.modelId = mapped(models, f.get<std::int64_t>("model_id"), f, "model_id");
        if (const auto q = f.optional<std::int64_t>("quant_run_id"))
            e.quantRunId = mapped(quants, *q, f, "quant_run_id");
        if (const auto ds = f.optional<std::int64_t>("dataset_id"))
            e.datasetId = mapped(datasets, *ds, f, "dataset_id");
        e.task = f.get<std::string>("task");
        e.metric = f.get<std::string>("metric");
        e.value = f.number("value");
        e.stderrValue = f.number("stderr");
        e.n = f.get<std::int64_t>("n");
        e.settingsJson = f.get<std::string>("settings_json");
        const auto created = f.get<std::int64_t>("created_at");
        const auto have = existing(db, "SELECT id FROM eval_results WHERE model_id = ? AND quant_run_id IS ? "
                                       "AND task = ? AND metric = ? AND created_at = ?",
                                   [&](store::Statement &st) {
                                       st.bind(1, e.modelId).bind(2, e.quantRunId).bind(3, e.task)
                                           .bind(4, e.metric).bind(5, created);
                                   });
        if (have) {
            ++result.alreadyPresent;
            return;
        }
        const std::int64_t id = store.addEvalResults({e}).front();
        restoreTimes(db, "eval_results", id, created, std::nullopt, false);
        ++result.added;
    }
};

template <typename Fn>
void each(const json &doc, const char *key, const std::string &source, Fn fn)
{
    if (!doc.contains(key) || !doc.at(key).is_array())
        throw Error(source, std::string("experiment snapshot: \"") + key + "\" is missing or not an array");
    const json &list = doc.at(key);
    for (std::size_t i = 0; i < list.size(); ++i)
        fn(list[i], i);
}

} // namespace

RestoreResult restoreExperiment(store::ExperimentStore &store, const std::string &snapshotJson,
                                const std::string &source, const RestoreOptions &options)
{
    // A malformed text, or a number out of range (1e999), is an error naming the file.
    const json doc = parseJson(snapshotJson, source, "experiment snapshot: malformed JSON: ");
    if (!doc.is_object() || !doc.contains("schema") || doc.at("schema") != kExperimentSchema)
        throw Error(source, std::string("is not an experiment snapshot (schema \"") + kExperimentSchema +
                                "\" expected)");
    if (!doc.contains("schemaVersion") || doc.at("schemaVersion") != kExperimentSchemaVersion)
        throw Error(source, "experiment snapshot schemaVersion " + doc.value("schemaVersion", json()).dump() +
                                " is not supported (this build reads " +
                                std::to_string(kExperimentSchemaVersion) + ")");
    store::Database &db = store.database();
    store::Transaction tx(db);
    Restorer r{store, db, source, options, {}, {}, {}, {}, {}, {}};
    try {
        each(doc, "models", source, [&](const json &j, std::size_t i) { r.model(j, i); });
        each(doc, "datasets", source, [&](const json &j, std::size_t i) { r.dataset(j, i); });
        each(doc, "analysis_runs", source, [&](const json &j, std::size_t i) { r.analysisRun(j, i); });
        each(doc, "plans", source, [&](const json &j, std::size_t i) { r.plan(j, i); });
        each(doc, "quant_runs", source, [&](const json &j, std::size_t i) { r.quantRun(j, i); });
        each(doc, "evals", source, [&](const json &j, std::size_t i) { r.eval(j, i); });
    } catch (const Error &e) {
        // A row the store refuses (a duplicate metric, a broken reference) or a field a helper
        // rejects (settings that are not JSON) is a fault of the snapshot: name the snapshot.
        // The transaction rolls everything back.
        if (e.file() == source)
            throw;
        throw Error(source, std::string(e.file() == db.path() ? "experiment snapshot refused by the store: "
                                                              : "experiment snapshot: ") +
                                e.what());
    }
    tx.commit();
    r.result.quantRunIds = r.quants;
    return r.result;
}

} // namespace lieq::exchange
