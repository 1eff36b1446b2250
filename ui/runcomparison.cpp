#include "ui/runcomparison.h"

#include "ui/modelsummary.h"
#include "ui/runqueuemodel.h"

#include <QFileInfo>
#include <QStringList>

#include <cmath>
#include <set>

namespace lieq::ui {

namespace {
QString num(double v, int prec)
{
    return std::isfinite(v) ? QString::number(v, 'f', prec) : QStringLiteral("—");
}

QString bitsList(const std::vector<int> &bits)
{
    QStringList parts;
    for (int b : bits)
        parts << (b < 0 ? QStringLiteral("mix") : QString::number(b));
    return parts.isEmpty() ? QStringLiteral("—") : parts.join(QLatin1Char(' '));
}

// One result row; `lowerIsBetter` decides which side is bold (none when equal or unknown).
QString valueRow(const QString &label, double a, double b, int prec, bool lowerIsBetter, const QString &suffix = {})
{
    auto cell = [&](double v, double other) -> QString { // not auto: a QStringBuilder would refer to the local t
        QString t = std::isfinite(v) ? QString(num(v, prec) + suffix) : QStringLiteral("—");
        const bool better = std::isfinite(v) && std::isfinite(other) && v != other && ((v < other) == lowerIsBetter);
        if (better)
            t = QStringLiteral("<b>") + t + QStringLiteral("</b>");
        return QStringLiteral("<td align=right>") + t + QStringLiteral("</td>");
    };
    return QStringLiteral("<tr><td>") + label + QStringLiteral("</td>") + cell(a, b) + cell(b, a) +
           QStringLiteral("</tr>");
}

QString textRow(const QString &label, const QString &a, const QString &b)
{
    return QStringLiteral("<tr><td>%1</td><td align=right>%2</td><td align=right>%3</td></tr>").arg(label, a, b);
}
// The KL statistics against FP16 (llama.cpp's --kl-divergence figures), when either run has them.
QString klRows(const RunResult &a, const RunResult &b)
{
    if (!a.kl && !b.kl)
        return {};
    auto v = [](const RunResult &r, auto get) { return r.kl ? double(get(*r.kl)) : std::nan(""); };
    auto estimate = [](const RunResult &r, auto get, double scale, int prec) -> QString {
        if (!r.kl)
            return QStringLiteral("—");
        const Estimate e = get(*r.kl);
        return num(scale * e.value, prec) + QStringLiteral(" ± ") + num(scale * e.error, prec);
    };
    QString html = textRow(RunComparison::tr("KL from FP16 (mean ± s.e.)"),
                           estimate(a, [](const KlStatistics &s) { return s.klMean; }, 1, 5),
                           estimate(b, [](const KlStatistics &s) { return s.klMean; }, 1, 5));
    html += valueRow(RunComparison::tr("KL 99th percentile"), v(a, [](const KlStatistics &s) { return s.klAt(0.99); }),
                     v(b, [](const KlStatistics &s) { return s.klAt(0.99); }), 4, true);
    html += valueRow(RunComparison::tr("KL maximum"), v(a, [](const KlStatistics &s) { return s.klMax; }),
                     v(b, [](const KlStatistics &s) { return s.klMax; }), 4, true);
    html += valueRow(RunComparison::tr("same top token"),
                     v(a, [](const KlStatistics &s) { return 100 * s.top1Agreement.value; }),
                     v(b, [](const KlStatistics &s) { return 100 * s.top1Agreement.value; }), 2, false,
                     QStringLiteral("%"));
    html += valueRow(RunComparison::tr("RMS Δp (next token)"),
                     v(a, [](const KlStatistics &s) { return 100 * s.deltaPRms.value; }),
                     v(b, [](const KlStatistics &s) { return 100 * s.deltaPRms.value; }), 3, true,
                     QStringLiteral("%"));
    html += textRow(RunComparison::tr("PPL / PPL(FP16)"),
                    estimate(a, [](const KlStatistics &s) { return s.pplRatio; }, 1, 4),
                    estimate(b, [](const KlStatistics &s) { return s.pplRatio; }, 1, 4));
    html += valueRow(RunComparison::tr("corr. of ln PPL per token"),
                     v(a, [](const KlStatistics &s) { return s.lnPplCorrelation; }),
                     v(b, [](const KlStatistics &s) { return s.lnPplCorrelation; }), 4, false);
    return html;
}

} // namespace

QString RunComparison::html(const RunQueueModel &model, int rowA, int rowB)
{
    if (rowA < 0 || rowB < 0 || rowA >= model.rowCount() || rowB >= model.rowCount())
        return {};
    const auto &a = model.at(rowA), &b = model.at(rowB);
    auto title = [](const RunQueueModel::Entry &e) {
        QString t = QStringLiteral("#%1 %2 %3").arg(e.id).arg(kindName(e.request.kind),
                                                            QString::fromStdString(e.request.backend));
        if (e.result.storeRunId > 0)
            t += QStringLiteral(" (") + tr("stored run %1").arg(e.result.storeRunId) + QStringLiteral(")");
        return t;
    };
    const bool qa = a.request.kind == RunRequest::Kind::Quantize, qb = b.request.kind == RunRequest::Kind::Quantize;
    auto quantOnly = [](bool q, const QString &v) { return q ? v : QStringLiteral("—"); };
    auto yesNo = [](bool v) { return v ? tr("yes") : tr("no"); };
    QString html = QStringLiteral("<table border=1 cellspacing=0 cellpadding=3><tr><th></th><th>%1</th><th>%2</th></tr>")
                       .arg(title(a), title(b));
    html += textRow(tr("model"), QFileInfo(a.request.modelPath).fileName(), QFileInfo(b.request.modelPath).fileName());
    html += textRow(tr("status"), RunQueueModel::statusName(a.status), RunQueueModel::statusName(b.status));
    html += valueRow(tr("nominal bits"), qa ? a.result.nominalBits : 16, qb ? b.result.nominalBits : 16, 3, true);
    html += valueRow(tr("effective bits"), a.result.effectiveBits, b.result.effectiveBits, 3, true);
    html += textRow(tr("bits per layer"), quantOnly(qa, bitsList(a.result.layerBits)),
                    quantOnly(qb, bitsList(b.result.layerBits)));
    auto group = [](const RunRequest &r) { return r.groupSize <= 0 ? tr("per row") : QString::number(r.groupSize); };
    html += textRow(tr("group size"), quantOnly(qa, group(a.request)), quantOnly(qb, group(b.request)));
    html += textRow(tr("symmetric"), quantOnly(qa, yesNo(a.request.symmetric)), quantOnly(qb, yesNo(b.request.symmetric)));
    html += textRow(tr("act-order"), quantOnly(qa, yesNo(a.request.actOrder)), quantOnly(qb, yesNo(b.request.actOrder)));
    html += textRow(tr("calibration"),
                    quantOnly(qa, tr("%1 × %2 tokens").arg(a.request.calibrationSamples).arg(a.request.seqlen)),
                    quantOnly(qb, tr("%1 × %2 tokens").arg(b.request.calibrationSamples).arg(b.request.seqlen)));
    html += valueRow(tr("perplexity"), a.result.ppl, b.result.ppl, 3, true);
    html += klRows(a.result, b.result);
    std::set<std::string> tasks;
    for (const auto &[t, v] : a.result.taskAccuracy)
        tasks.insert(t);
    for (const auto &[t, v] : b.result.taskAccuracy)
        tasks.insert(t);
    auto accOf = [](const RunResult &r, const std::string &t) {
        const auto it = r.taskAccuracy.find(t);
        return it == r.taskAccuracy.end() ? std::nan("") : 100.0 * it->second;
    };
    for (const std::string &t : tasks)
        html += valueRow(tr("%1 acc").arg(QString::fromStdString(t)), accOf(a.result, t), accOf(b.result, t), 1,
                         false, QStringLiteral("%"));
    if (!tasks.empty())
        html += valueRow(tr("mean acc"), 100.0 * meanAccuracy(a.result.taskAccuracy),
                         100.0 * meanAccuracy(b.result.taskAccuracy), 1, false, QStringLiteral("%"));
    html += valueRow(tr("% of FP16"), model.recoveredPercent(rowA), model.recoveredPercent(rowB), 1, false,
                     QStringLiteral("%"));
    auto size = [](const RunResult &r) {
        return r.sizeBytes > 0 ? QString((r.sizeEstimated ? QStringLiteral("≈") : QString()) + formatBytes(r.sizeBytes))
                               : QStringLiteral("—");
    };
    html += textRow(tr("size"), size(a.result), size(b.result));
    html += valueRow(tr("time (s)"), a.result.seconds, b.result.seconds, 1, true);
    return html + QStringLiteral("</table>");
}

} // namespace lieq::ui
