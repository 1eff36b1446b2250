// The quantize and evaluate jobs through the library: a stored run with its losses, output
// folder and evaluation rows; cancel leaving a "cancelled" run and no folder; evaluation rows
// with acc_norm only where lm-eval defines it, the per-item sample log, baselines from the
// store, and a quantized folder no stored run wrote refused for storing.
#include "core/jobs/evaluate_job.h"
#include "core/jobs/quantize_job.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"
#include "tests/jobs/job_fixture.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace lieq;
using namespace lieq::jobs;
namespace fs = std::filesystem;

namespace {

QuantizeRequest uniformRequest(const test::JobsFixture &f)
{
    QuantizeRequest req;
    req.modelDir = f.modelDir;
    req.plan.kind = PlanRequest::Kind::Uniform;
    req.plan.uniformBits = 4;
    req.calibration.path = f.text;
    req.calibration.samples = 4;
    req.calibration.seqlen = 32;
    req.settings.method = QuantMethod::Gptq;
    req.settings.groupSize = 32;
    req.outDir = f.path("out");
    req.evaluation.pplData = f.text;
    req.evaluation.seqlen = 32;
    req.evaluation.maxWindows = 3;
    return req;
}

std::vector<nlohmann::json> jsonLines(const std::string &path)
{
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        out.push_back(nlohmann::json::parse(line));
    return out;
}

} // namespace

class TestQuantizeJob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Cancel mid-run -> status cancelled, no output folder, no evaluation rows; a finished run
    // stores losses, output path and the perplexity row.
    void storedRunAndCancel_data()
    {
        QTest::addColumn<int>("cancelAfter"); // -1: never
        QTest::newRow("done") << -1;
        QTest::newRow("cancel-early") << 2;
        QTest::newRow("cancel-late") << 17;
    }
    void storedRunAndCancel()
    {
        QFETCH(int, cancelAfter);
        test::JobsFixture f;
        const QuantizeRequest req = uniformRequest(f);
        int modules = 0;
        const JobContext ctx = f.context([&](const Progress &p) {
            if (p.stage == "quantize" && p.done > modules)
                modules = int(p.done);
            return cancelAfter < 0 || modules < cancelAfter;
        });
        if (cancelAfter < 0) {
            const QuantizeResult out = runQuantize(req, ctx);
            QVERIFY(out.runId > 0);
            QVERIFY(out.evaluation.report.ppl && std::isfinite(out.evaluation.report.ppl->ppl));
            QVERIFY(fs::exists(req.outDir + "/model.safetensors"));
            QCOMPARE(out.sizeBytes, out.outputBytes);
            QVERIFY(!out.sizeEstimated);
            // Scales, zeros and g_idx on top of 4 bits (groups of 32 on 32- and 64-row linears).
            QVERIFY2(out.effectiveBits > 4.5 && out.effectiveBits < 7, std::to_string(out.effectiveBits).c_str());
        } else {
            QVERIFY_THROWS_EXCEPTION(Cancelled, runQuantize(req, ctx));
            QVERIFY(!fs::exists(req.outDir));
            for (const auto &e : fs::directory_iterator(f.tmp.path().toStdString()))
                QVERIFY2(e.path().filename().string().find("out") != 0, e.path().c_str());
        }
        store::ExperimentStore st(f.store);
        const store::RunPage page = st.listRuns();
        QCOMPARE(page.runs.size(), std::size_t(1));
        const auto detail = st.loadQuantRun(page.runs.front().id);
        QVERIFY(detail);
        store::EvalFilter ef;
        ef.quantRunId = detail->run.id;
        const auto evals = st.evalResults(ef);
        if (cancelAfter < 0) {
            QVERIFY(detail->run.status == store::RunStatus::Done);
            QCOMPARE(detail->losses.size(), std::size_t(21));
            QVERIFY(detail->run.outputPath == fs::absolute(req.outDir).lexically_normal().string());
            QVERIFY(detail->run.outputBytes > 0);
            QCOMPARE(evals.size(), std::size_t(1));
            QCOMPARE(evals.front().metric, std::string("ppl"));
            QCOMPARE(evals.front().task, std::string("text"));
        } else {
            QVERIFY(detail->run.status == store::RunStatus::Cancelled);
            QCOMPARE(detail->losses.size() % 7, std::size_t(0)); // whole layers only
            QVERIFY(int(detail->losses.size()) <= cancelAfter);
            QVERIFY(evals.empty());
        }
    }

    // Tasks: acc for both, acc_norm for PIQA only; the average of acc_norm over PIQA alone;
    // one log line per item with each choice's log-likelihood and length.
    void evaluationRowsAndSampleLog()
    {
        test::JobsFixture f;
        EvaluateRequest req;
        req.target = f.modelDir;
        req.spec.tasks = {"piqa", "boolq"};
        req.spec.taskDataDir = f.taskDir;
        req.spec.logSamplesPath = f.path("samples.jsonl");
        const EvaluateResult r = runEvaluate(req, f.context());
        QCOMPARE(r.report.tasks.size(), std::size_t(2));
        const TaskResult &piqa = r.report.tasks[0], &boolq = r.report.tasks[1];
        QVERIFY(piqa.hasAccNorm && !boolq.hasAccNorm);
        QVERIFY(std::isnan(boolq.accNorm));
        QCOMPARE(averageAcc(r.report.tasks, true), piqa.accNorm);
        const nlohmann::json j = nlohmann::json::parse(evalReportJson(r.report));
        QVERIFY(j["tasks"]["piqa"].contains("acc_norm"));
        QVERIFY(!j["tasks"]["boolq"].contains("acc_norm"));

        store::ExperimentStore st(f.store);
        int accNorm = 0, acc = 0;
        for (const store::EvalResult &e : st.evalResults()) {
            acc += e.metric == "acc";
            accNorm += e.metric == "acc_norm";
            QVERIFY(e.metric != "acc_norm" || e.task == "piqa");
            QVERIFY(e.datasetId.has_value());
        }
        QCOMPARE(acc, 2);
        QCOMPARE(accNorm, 1);

        const auto lines = jsonLines(req.spec.logSamplesPath);
        QCOMPARE(lines.size(), std::size_t(12));
        int correct = 0;
        for (const auto &l : lines) {
            QCOMPARE(l["choices"].size(), std::size_t(2));
            for (const auto &c : l["choices"]) {
                QVERIFY(c["loglikelihood"].get<double>() < 0);
                QVERIFY(c["tokens"].get<int>() > 0);
                QVERIFY(c["length"].get<int>() > 0);
            }
            const auto &ch = l["choices"];
            const int pred = ch[0]["loglikelihood"].get<double>() >= ch[1]["loglikelihood"].get<double>() ? 0 : 1;
            QCOMPARE(l["pred"].get<int>(), pred);
            QCOMPARE(l.contains("acc_norm"), l["task"] == "piqa");
            if (l["task"] == "piqa")
                correct += l["acc"].get<int>();
        }
        QCOMPARE(double(correct) / 6.0, piqa.acc);
    }

    // The quantize job evaluates the model it just quantized and matches the stored FP16
    // baseline measured the same way; a copy of its folder is not storable, the run id is.
    void baselinesAndTargets()
    {
        test::JobsFixture f;
        EvaluateRequest fp;
        fp.target = f.modelDir;
        fp.spec.pplData = f.text;
        fp.spec.seqlen = 32;
        fp.spec.maxWindows = 3;
        const EvaluateResult base = runEvaluate(fp, f.context());
        QVERIFY(base.parameterCount > 0);

        QuantizeRequest q = uniformRequest(f);
        q.matchStoredBaseline = true;
        const QuantizeResult out = runQuantize(q, f.context());
        QVERIFY(out.evaluation.storedBaseline && out.evaluation.storedBaseline->ppl);
        QCOMPARE(*out.evaluation.storedBaseline->ppl, base.report.ppl->ppl);

        EvaluateRequest again = fp;
        again.target = std::to_string(out.runId);
        again.baseline = "base";
        const EvaluateResult e = runEvaluate(again, f.context());
        QCOMPARE(e.modelDir, out.outputDir);
        QVERIFY(std::abs(e.report.ppl->ppl / out.evaluation.report.ppl->ppl - 1) < 1e-6);
        QCOMPARE(*e.baseline->ppl, base.report.ppl->ppl);
        QCOMPARE(e.quantRunId, std::optional<std::int64_t>(out.runId));

        const std::string copy = f.path("copy");
        fs::copy(out.outputDir, copy, fs::copy_options::recursive);
        again.target = copy;
        again.baseline.clear();
        try {
            runEvaluate(again, f.context());
            QFAIL("stored a quantized folder no run wrote");
        } catch (const Error &err) {
            QVERIFY2(std::string(err.what()).find("no quantization run in") != std::string::npos, err.what());
        }
        JobContext unstored = f.context();
        unstored.store.enabled = false;
        QVERIFY(runEvaluate(again, unstored).report.ppl);
    }
};

QTEST_GUILESS_MAIN(TestQuantizeJob)
#include "tst_quantizejob.moc"
