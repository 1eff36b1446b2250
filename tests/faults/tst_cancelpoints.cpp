// Cancellation at every kind of point of the four long jobs -- analysis, quantization (with its
// checkpoint folder and evaluation), evaluation and GGUF export -- through the jobs layer both
// front ends call. Each job first runs to the end counting its progress calls (N); then it is
// started again and again with a callback that says stop at the k-th call, k sampled over 1..N.
// After every cancel: lieq::Cancelled was thrown, the store passes integrity_check and
// foreign_key_check, no run is left "running", every run finished before is unchanged (rows
// and values), and no partial file (AtomicFile temporaries, half-written folders or GGUF files)
// is left anywhere.
#include "core/jobs/analysis_job.h"
#include "core/jobs/evaluate_job.h"
#include "core/jobs/export_job.h"
#include "core/jobs/quantize_job.h"
#include "core/util/error.h"
#include "tests/faults/fault_fixture.h"

#include <QtTest>

#include <filesystem>
#include <functional>

namespace fs = std::filesystem;
using namespace lieq;

namespace {

// Cancel points to try among 1..n: all of them up to `most`, else both ends and evenly spaced.
std::vector<int> cancelPoints(int n, int most = 200)
{
    std::vector<int> k;
    if (n <= most) {
        for (int i = 1; i <= n; ++i)
            k.push_back(i);
        return k;
    }
    for (int i = 0; i < most; ++i)
        k.push_back(1 + int(std::lround(double(i) * (n - 1) / (most - 1))));
    k.erase(std::unique(k.begin(), k.end()), k.end());
    return k;
}

} // namespace

class TestCancelPoints : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cancelEverywhere_data();
    void cancelEverywhere();

private:
    jobs::JobContext context() const;
    void analysis(const jobs::JobContext &ctx, const std::string &);
    void quantize(const jobs::JobContext &ctx, const std::string &out);
    void evaluate(const jobs::JobContext &ctx, const std::string &);
    void exportGguf(const jobs::JobContext &ctx, const std::string &out);

    std::unique_ptr<test::FaultFixture> m_f;
    std::int64_t m_quantRun = 0; // a finished run with a saved folder, for the export
};

jobs::JobContext TestCancelPoints::context() const
{
    jobs::JobContext ctx;
    ctx.store.path = m_f->store;
    ctx.threads = 1;
    ctx.device = "cpu";
    return ctx;
}

void TestCancelPoints::analysis(const jobs::JobContext &ctx, const std::string &)
{
    jobs::AnalysisRequest r;
    r.modelDir = m_f->model;
    r.calibration.path = m_f->text;
    r.calibration.samples = 4;
    r.calibration.seqlen = 16;
    r.reuse = false;
    jobs::runAnalysis(r, ctx);
}

void TestCancelPoints::quantize(const jobs::JobContext &ctx, const std::string &out)
{
    jobs::QuantizeRequest r;
    r.modelDir = m_f->model;
    r.plan.kind = jobs::PlanRequest::Kind::Uniform;
    r.plan.uniformBits = 4;
    r.calibration.path = m_f->text;
    r.calibration.samples = 4;
    r.calibration.seqlen = 16;
    r.settings.method = QuantMethod::Gptq;
    r.settings.groupSize = 32;
    r.outDir = out;
    r.evaluation.pplData = m_f->text;
    r.evaluation.seqlen = 16;
    r.evaluation.maxWindows = 4;
    const jobs::QuantizeResult q = jobs::runQuantize(r, ctx);
    if (out.find("baseline") != std::string::npos)
        m_quantRun = q.runId;
}

void TestCancelPoints::evaluate(const jobs::JobContext &ctx, const std::string &)
{
    jobs::EvaluateRequest r;
    r.target = m_f->model;
    r.spec.pplData = m_f->text;
    r.spec.seqlen = 16;
    r.spec.maxWindows = 6;
    jobs::runEvaluate(r, ctx);
}

void TestCancelPoints::exportGguf(const jobs::JobContext &ctx, const std::string &out)
{
    jobs::GgufExportRequest r;
    r.source = "q" + std::to_string(m_quantRun);
    r.outPath = out + ".gguf";
    jobs::runGgufExport(r, ctx);
}

void TestCancelPoints::initTestCase()
{
    m_f = std::make_unique<test::FaultFixture>(4);
    QVERIFY(m_f->tmp.isValid());
}

void TestCancelPoints::cancelEverywhere_data()
{
    QTest::addColumn<QString>("job");
    for (const char *j : {"analysis", "quantize", "evaluate", "export"})
        QTest::newRow(j) << QString::fromLatin1(j);
}

void TestCancelPoints::cancelEverywhere()
{
    QFETCH(QString, job);
    using Job = void (TestCancelPoints::*)(const jobs::JobContext &, const std::string &);
    const std::map<QString, Job> table{{QStringLiteral("analysis"), &TestCancelPoints::analysis},
                                       {QStringLiteral("quantize"), &TestCancelPoints::quantize},
                                       {QStringLiteral("evaluate"), &TestCancelPoints::evaluate},
                                       {QStringLiteral("export"), &TestCancelPoints::exportGguf}};
    if (job == QLatin1String("export") && m_quantRun == 0)
        quantize(context(), m_f->path("out/baseline-for-export"));
    const Job run = table.at(job);

    // To the end, counting the cancel points this job offers.
    int calls = 0;
    jobs::JobContext ctx = context();
    ctx.progress = [&](const Progress &) { ++calls; return true; };
    (this->*run)(ctx, m_f->path("out/" + job.toStdString() + "-baseline"));
    QVERIFY2(calls >= 3, qPrintable(QStringLiteral("only %1 progress calls").arg(calls)));
    const QStringList finished = test::finishedRuns(m_f->store);
    QVERIFY(finished.size() > 2); // runs, plus the model-evaluation and export lines

    const std::vector<int> points = cancelPoints(calls);
    for (int k : points) {
        const std::string out = m_f->path("out/" + job.toStdString() + "-cancel-" + std::to_string(k));
        int seen = 0;
        ctx.progress = [&](const Progress &) { return ++seen < k; };
        bool cancelled = false;
        try {
            (this->*run)(ctx, out);
        } catch (const Cancelled &) {
            cancelled = true;
        }
        const QString where = job + QStringLiteral(" cancelled at call %1 of %2").arg(k).arg(calls);
        QVERIFY2(cancelled, qPrintable(where + QStringLiteral(": no lieq::Cancelled")));
        QCOMPARE(seen, k); // it stopped at the first refusal
        const std::string problems = test::storeProblems(m_f->store);
        QVERIFY2(problems.empty(), qPrintable(where + QStringLiteral(": ") + QString::fromStdString(problems)));
        QVERIFY2(test::runningRuns(m_f->store) == 0, qPrintable(where + QStringLiteral(": a run left running")));
        QCOMPARE(test::finishedRuns(m_f->store), finished);
        QVERIFY2(!fs::exists(out) && !fs::exists(out + ".gguf"),
                 qPrintable(where + QStringLiteral(": output left at ") + QString::fromStdString(out)));
        const QStringList partial = test::partialFiles(m_f->tmp.path().toStdString());
        QVERIFY2(partial.isEmpty(), qPrintable(where + QStringLiteral(": ") + partial.join(QLatin1String(", "))));
    }
    qInfo("%s: %d progress calls, %zu cancel points checked", qPrintable(job), calls, points.size());
}

QTEST_GUILESS_MAIN(TestCancelPoints)
#include "tst_cancelpoints.moc"
