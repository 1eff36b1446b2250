#include "tests/exchange/experiment_fixture.h"

#include "core/store/experiment_store.h"

#include <cmath>

using namespace lieq::store;

void ExperimentFixture::write(ExperimentStore &s, const std::string &checkpointDir)
{
    ModelRecord m;
    m.path = "/models/tiny-qwen3";
    m.name = "tiny-qwen3";
    m.fingerprint = "fixture-fingerprint-0123456789abcdef";
    m.architecture = "Qwen3ForCausalLM";
    m.layerCount = 8;
    m.paramCount = 3'900'000;
    m.dtype = "bfloat16";
    m.bytes = 8'200'000;
    modelId = s.upsertModel(m);
    DatasetRecord d;
    d.path = "/data/wikitext-2-raw/wiki.train.raw";
    d.kind = "text";
    d.contentHash = "f1e2d3c4b5a6978812345678901234567890abcdefabcdefabcdefabcdefabcd";
    d.bytes = 10'918'892;
    datasetId = s.upsertDataset(d);

    dppl = {412.5, 3.1, 1.9, 7.4, 0.6, 2.2, 0.9, 15.8};
    dr = {0.61, 0.22, 0.18, 0.35, 0.05, 0.27, 0.11, 0.44};
    dE = {0.30, 0.08, 0.05, 0.12, -0.02, 0.09, 0.03, 0.21};
    analysisId = s.beginAnalysisRun({modelId, datasetId, "cpu",
                                     R"({"metrics":"dppl,compact,energy","samples":32,"seqlen":256,"k":1})", 7});
    for (int l = 0; l < 8; ++l) {
        const auto i = std::size_t(l);
        s.appendLayerMetrics(analysisId, {{l, "dppl", dppl[i]}, {l, "dr", dr[i]}, {l, "dE", dE[i]}},
                             {{l, "q", "dr", std::nullopt, dr[i] * 0.9}, {l, "q", "dr", 0, dr[i]}});
    }
    s.finishAnalysisRun(analysisId, RunOutcome(RunStatus::Done, {}, R"({"dppl":12.5,"compact":3.25})", 16.0));

    Plan p;
    p.modelId = modelId;
    p.sourceRunId = analysisId;
    p.name = "paper 2.25";
    p.method = "paper";
    p.budgetBits = 2.25;
    p.bitsJson = "[4,2,2,2,2,2,2,2]";
    p.nominalBits = 2.25;
    p.effectiveBits = 2.53;
    planId = s.addPlan(p);

    auto quant = [&](const char *method, double ppl, double kl, double acc, double wall) {
        QuantRunSpec q;
        q.planId = planId;
        q.datasetId = datasetId;
        q.method = method;
        q.settingsJson = std::string(R"({"method":")") + method + R"(","group_size":128,"sym":false})";
        q.seed = 0;
        const std::int64_t id = s.beginQuantRun(q);
        std::vector<ModuleLoss> losses;
        for (int l = 0; l < 8; ++l)
            losses.push_back({l, "q_proj", l == 0 ? 4 : 2, 0.01 * (l + 1), 0.5});
        s.appendModuleLosses(id, losses);
        s.finishQuantRun(id, RunOutcome(RunStatus::Done, {}, R"({"quantize_s":4.5})", wall),
                         checkpointDir, checkpointDir.empty() ? 0 : 1234567);
        s.addEvalResults({{0, modelId, id, datasetId, "wikitext2", "ppl", ppl, kNoValue, 40, R"({"seqlen":256})", 0},
                          {0, modelId, id, datasetId, "wikitext2", "kl", kl, 0.01, 10240, "{}", 0},
                          {0, modelId, id, std::nullopt, "piqa", "acc", acc, 0.02, 200, "{}", 0}});
        return id;
    };
    rtnId = quant("rtn", 1843.2, 2.91, 0.545, 9.5);
    gptqId = quant("gptq", 312.7, 1.12, 0.571, 41.0);
    s.addEvalResults({{0, modelId, std::nullopt, datasetId, "wikitext2", "ppl", 232.61, kNoValue, 40, "{}", 0},
                      {0, modelId, std::nullopt, std::nullopt, "piqa", "acc", 0.602, 0.02, 200, "{}", 0}});
}
