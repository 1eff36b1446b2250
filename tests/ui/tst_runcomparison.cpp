// The run comparison's KL rows: two finished quantization runs with KL statistics against FP16
// show mean ± standard error, the 99th percentile, the maximum, top-1 agreement, RMS Δp, the
// PPL ratio and the ln-PPL correlation, the better value bold; runs without them show no KL rows.
#include "ui/runcomparison.h"
#include "ui/runqueuemodel.h"

#include <QTest>

using namespace lieq;
using namespace lieq::ui;

namespace {

KlStatistics stats(double kl)
{
    KlAccumulator acc(3);
    const std::vector<float> ref{0.f, 1.f, 2.f};
    const std::vector<float> q{0.f, 1.f, float(2.0 - 4 * kl)};
    for (int i = 0; i < 40; ++i)
        acc.addPosition(ref.data(), q.data(), i % 3);
    return acc.finish(41);
}

RunResult result(double ppl, std::optional<KlStatistics> kl)
{
    RunResult r;
    r.ppl = ppl;
    r.nominalBits = 2.125;
    r.kl = std::move(kl);
    return r;
}

} // namespace

class TestRunComparison : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void klRows()
    {
        RunQueueModel model;
        RunRequest q;
        q.kind = RunRequest::Kind::Quantize;
        q.backend = "gptq";
        model.addFinished(q, result(120, stats(0.05)));
        model.addFinished(q, result(110, stats(0.01)));
        const QString html = RunComparison::html(model, 0, 1);
        QVERIFY(html.contains(QStringLiteral("KL from FP16")));
        QVERIFY(html.contains(QStringLiteral("KL 99th percentile")));
        QVERIFY(html.contains(QStringLiteral("same top token")));
        QVERIFY(html.contains(QStringLiteral("RMS Δp")));
        QVERIFY(html.contains(QStringLiteral("PPL / PPL(FP16)")));
        const KlStatistics b = *model.at(1).result.kl;
        QVERIFY(html.contains(QString::number(b.klMean.value, 'f', 5)));
        QVERIFY(html.contains(QStringLiteral("<b>") + QString::number(b.klMax, 'f', 4)));
    }

    void noKlNoRows()
    {
        RunQueueModel model;
        RunRequest q;
        model.addFinished(q, result(120, std::nullopt));
        model.addFinished(q, result(110, std::nullopt));
        QVERIFY(!RunComparison::html(model, 0, 1).contains(QStringLiteral("KL from FP16")));
    }
};

QTEST_MAIN(TestRunComparison)
#include "tst_runcomparison.moc"
