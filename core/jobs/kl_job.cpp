#include "core/jobs/kl_job.h"

#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/kl_divergence.h"
#include "core/jobs/loaded_model.h"
#include "core/model/model.h"
#include "core/store/experiment_store.h"
#include "core/store/fingerprint.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace lieq::jobs {

KlStatistics evaluateKl(Model &model, const std::string &referenceDir, const TokenWindows &windows,
                        const JobContext &context)
{
    std::unique_ptr<Model> reference = loadModel(referenceDir, context);
    return evaluateKlDivergence(*reference, model, windows, context.progress).stats;
}

std::int64_t recordKl(store::ExperimentStore &db, const KlStatistics &s,
                      const std::string &evaluatedDir, std::optional<std::int64_t> quantRunId,
                      const std::string &referenceDir, const KlSetting &setting)
{
    store::KlStatsRecord r;
    r.quantRunId = quantRunId;
    if (!quantRunId)
        r.modelId = db.upsertModel(store::describeModel(evaluatedDir));
    r.referenceModelId = db.upsertModel(store::describeModel(referenceDir));
    if (!setting.data.empty() && std::filesystem::exists(setting.data))
        r.datasetId = db.upsertDataset(
            store::describeDataset(setting.data, Corpus::kindOf(setting.data, setting.field)));
    r.windows = s.windows;
    r.seqlen = s.seqlen;
    r.positions = s.positions;
    r.klMean = s.klMean.value;
    r.klStderr = s.klMean.error;
    r.klMax = s.klMax;
    r.klP99 = s.klAt(0.99);
    r.klMedian = s.klAt(0.5);
    r.top1 = s.top1Agreement.value;
    r.deltaPRms = s.deltaPRms.value;
    r.pplRatio = s.pplRatio.value;
    r.lnPplCorrelation = s.lnPplCorrelation;
    r.statsJson = klStatisticsToJson(s);
    r.settingsJson = nlohmann::json{{"data", setting.data},
                                    {"field", setting.field},
                                    {"seqlen", setting.seqlen},
                                    {"max_windows", setting.maxWindows},
                                    {"reference", referenceDir}}
                         .dump();
    return db.addKlStats(r);
}

std::vector<StoredKl> listKl(const JobContext &context, std::optional<std::int64_t> quantRunId,
                             std::optional<std::int64_t> modelId)
{
    std::vector<StoredKl> out;
    const std::string path = context.storePath();
    if (path.empty() || !std::filesystem::exists(path))
        return out;
    store::ExperimentStore db(path, store::ExperimentStore::Access::ReadOnly);
    store::KlStatsFilter f;
    f.quantRunId = quantRunId;
    f.modelId = modelId;
    for (const store::KlStatsRecord &r : db.klStats(f)) {
        StoredKl k;
        k.id = r.id;
        k.quantRunId = r.quantRunId;
        k.modelId = r.modelId;
        k.referenceModelId = r.referenceModelId;
        k.stats = klStatisticsFromJson(r.statsJson, db.path());
        const nlohmann::json s = nlohmann::json::parse(r.settingsJson);
        k.setting.data = s.value("data", std::string());
        k.setting.field = s.value("field", std::string());
        k.setting.seqlen = s.value("seqlen", std::int64_t(0));
        k.setting.maxWindows = s.value("max_windows", std::int64_t(-1));
        out.push_back(std::move(k));
    }
    return out;
}

} // namespace lieq::jobs
