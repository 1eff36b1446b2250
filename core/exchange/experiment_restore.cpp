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

#include <algorithm>
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
    // Each of `fields` read from its key of `keys` (visitFields).
    template <std::size_t N, typename Fields>
    void read(const std::array<const char *, N> &keys, Fields fields) const
    {
        visitFields(keys, fields, [this](const char *key, auto &value) {
            value = get<std::decay_t<decltype(value)>>(key);
        });
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
    // The rows of the array `key`, each an array of `columns` ("layer, metric, value") read
    // into a T by `read`; a row of another length or of the wrong types is an error.
    template <typename T, typename Read>
    std::vector<T> rows(const char *key, std::size_t width, const char *columns, Read read) const
    {
        std::vector<T> out;
        for (const json &row : array(key)) {
            if (!row.is_array() || row.size() != width)
                fail(key, std::string("holds a row that is not [") + columns + "]");
            try {
                out.push_back(read(row));
            } catch (const json::exception &) {
                fail(key, "holds a row of the wrong types");
            }
        }
        return out;
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

// Row cells that may be null: NaN, or no value.
double numberCell(const json &cell) { return cell.is_null() ? store::kNoValue : cell.get<double>(); }
std::optional<int> intCell(const json &cell)
{
    return cell.is_null() ? std::nullopt : std::optional<int>(cell.get<int>());
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

    // Maps the snapshot's model or dataset row `f` to the store's: the store's own record
    // when it holds the same one (its path stays), else the row `add` writes.
    void keep(Ids &ids, const Fields &f, std::optional<std::int64_t> have, const std::function<std::int64_t()> &add)
    {
        ids[f.get<std::int64_t>("id")] = have ? *have : add();
        if (!have)
            ++result.added;
    }

    // A plan or evaluation row: `have`, the identical row the store already holds, else the
    // row `add` writes, stamped with the snapshot's creation time. Returns the local id.
    std::int64_t keepRow(std::optional<std::int64_t> have, const char *table, std::int64_t created,
                         const std::function<std::int64_t()> &add)
    {
        if (have) {
            ++result.alreadyPresent;
            return *have;
        }
        const std::int64_t id = add();
        restoreTimes(db, table, id, created, std::nullopt, false);
        ++result.added;
        return id;
    }

    // A run of the snapshot restored as `id` (`added`) or found identical in the store: the
    // snapshot's id maps to it and the result lists it.
    void keepRun(Ids &ids, const Fields &f, store::RunKind kind, std::int64_t id, bool added)
    {
        ids[f.get<std::int64_t>("id")] = id;
        result.runs.push_back({kind, id});
        ++(added ? result.added : result.alreadyPresent);
    }

    // A run just written as `id` into `table`: its times and owner as the snapshot has them.
    void addedRun(Ids &ids, const Fields &f, store::RunKind kind, std::int64_t id, const char *table,
                  std::int64_t created)
    {
        restoreTimes(db, table, id, created, f.optional<std::int64_t>("finished_at"), true);
        keepRun(ids, f, kind, id, true);
    }

    // What finds a run of the snapshot again in the store, besides its owner.
    struct RunKey
    {
        std::int64_t created;
        std::string settingsHash;
    };
    // The settings and seed of a run row into `spec` (an AnalysisRunSpec or QuantRunSpec), read
    // as every run kind records them, and the run's key.
    template <typename Spec> static RunKey runSettings(const Fields &f, Spec &spec)
    {
        spec.settingsJson = f.get<std::string>("settings_json");
        spec.seed = f.optional<std::int64_t>("seed");
        return {f.get<std::int64_t>("created_at"), store::settingsHash(spec.settingsJson)};
    }

    // The outcome a run row of the snapshot records.
    static store::RunOutcome outcome(const Fields &f)
    {
        return store::RunOutcome(finishedStatus(f), f.get<std::string>("error"), f.get<std::string>("timings_json"),
                                 f.number("wall_seconds"));
    }

    void model(const Fields &f)
    {
        store::ModelRecord m;
        f.read(kModelKeys, modelFields(m));
        if (m.fingerprint.empty())
            f.fail("fingerprint", "is empty");
        const auto have = store.modelByFingerprint(m.fingerprint);
        keep(models, f, have ? std::optional(have->id) : std::nullopt, [&] { return store.upsertModel(m); });
    }

    void dataset(const Fields &f)
    {
        store::DatasetRecord d;
        f.read(kDatasetKeys, datasetFields(d));
        const std::vector<store::DatasetRecord> all = store.datasets();
        const auto have = std::find_if(all.begin(), all.end(), [&](const store::DatasetRecord &r) {
            return r.contentHash == d.contentHash && r.kind == d.kind;
        });
        keep(datasets, f, have != all.end() ? std::optional(have->id) : std::nullopt,
             [&] { return store.upsertDataset(d); });
    }

    void analysisRun(const Fields &f)
    {
        store::AnalysisRunSpec spec;
        spec.modelId = mapped(models, f.get<std::int64_t>("model_id"), f, "model_id");
        spec.datasetId = mapped(datasets, f.get<std::int64_t>("dataset_id"), f, "dataset_id");
        spec.backend = f.get<std::string>("backend");
        const RunKey key = runSettings(f, spec);
        const auto have = existing(db, "SELECT id FROM analysis_runs WHERE model_id = ? AND dataset_id = ? "
                                       "AND settings_hash = ? AND created_at = ?",
                                   [&](store::Statement &st) {
                                       st.bind(1, spec.modelId).bind(2, spec.datasetId).bind(3, key.settingsHash)
                                           .bind(4, key.created);
                                   });
        if (have) {
            keepRun(analyses, f, store::RunKind::Analysis, *have, false);
            return;
        }
        const auto layers = f.rows<store::LayerMetric>("layer_metrics", 3, "layer, metric, value", [](const json &r) {
            return store::LayerMetric{r[0].get<int>(), r[1].get<std::string>(), numberCell(r[2])};
        });
        const auto projections = f.rows<store::ProjectionMetric>(
            "projection_metrics", 5, "layer, projection, metric, head, value", [](const json &r) {
                return store::ProjectionMetric{r[0].get<int>(), r[1].get<std::string>(), r[2].get<std::string>(),
                                               intCell(r[3]), numberCell(r[4])};
            });
        const std::int64_t id = store.beginAnalysisRun(spec);
        store.appendLayerMetrics(id, layers, projections);
        store.finishAnalysisRun(id, outcome(f));
        addedRun(analyses, f, store::RunKind::Analysis, id, "analysis_runs", key.created);
    }

    void plan(const Fields &f)
    {
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
        plans[f.get<std::int64_t>("id")] = keepRow(have, "plans", created, [&] { return store.addPlan(p); });
    }

    void quantRun(const Fields &f)
    {
        const auto sourceId = f.get<std::int64_t>("id");
        store::QuantRunSpec spec;
        spec.planId = mapped(plans, f.get<std::int64_t>("plan_id"), f, "plan_id");
        if (const auto ds = f.optional<std::int64_t>("dataset_id"))
            spec.datasetId = mapped(datasets, *ds, f, "dataset_id");
        spec.method = f.get<std::string>("method");
        const RunKey key = runSettings(f, spec);
        const auto have = existing(db, "SELECT id FROM quant_runs WHERE plan_id = ? AND settings_hash = ? "
                                       "AND created_at = ?",
                                   [&](store::Statement &st) {
                                       st.bind(1, spec.planId).bind(2, key.settingsHash).bind(3, key.created);
                                   });
        std::string output = f.get<std::string>("output_path");
        if (const auto it = options.outputPaths.find(sourceId); it != options.outputPaths.end())
            output = it->second;
        if (have) {
            if (options.outputPaths.count(sourceId)) {
                store::Statement st(db, "UPDATE quant_runs SET output_path = ? WHERE id = ?");
                st.bind(1, output).bind(2, *have);
                st.run();
            }
            keepRun(quants, f, store::RunKind::Quant, *have, false);
            return;
        }
        const auto losses = f.rows<store::ModuleLoss>("losses", 5, "layer, module, bits, loss, seconds", [](const json &r) {
            return store::ModuleLoss{r[0].get<int>(), r[1].get<std::string>(), intCell(r[2]), numberCell(r[3]),
                                     numberCell(r[4])};
        });
        const std::int64_t id = store.beginQuantRun(spec);
        if (!losses.empty())
            store.appendModuleLosses(id, losses);
        store.finishQuantRun(id, outcome(f), output, f.get<std::int64_t>("output_bytes"));
        addedRun(quants, f, store::RunKind::Quant, id, "quant_runs", key.created);
    }

    void eval(const Fields &f)
    {
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
        keepRow(have, "eval_results", created, [&] { return store.addEvalResults({e}).front(); });
    }
};

template <typename Fn>
void each(const json &doc, const char *key, const std::string &source, Fn fn)
{
    if (!doc.contains(key) || !doc.at(key).is_array())
        throw Error(source, std::string("experiment snapshot: \"") + key + "\" is missing or not an array");
    const json &list = doc.at(key);
    for (std::size_t i = 0; i < list.size(); ++i)
        fn(Fields(list[i], key + ("[" + std::to_string(i) + "]"), source));
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
        each(doc, "models", source, [&](const Fields &f) { r.model(f); });
        each(doc, "datasets", source, [&](const Fields &f) { r.dataset(f); });
        each(doc, "analysis_runs", source, [&](const Fields &f) { r.analysisRun(f); });
        each(doc, "plans", source, [&](const Fields &f) { r.plan(f); });
        each(doc, "quant_runs", source, [&](const Fields &f) { r.quantRun(f); });
        each(doc, "evals", source, [&](const Fields &f) { r.eval(f); });
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
