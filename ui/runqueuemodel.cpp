#include "ui/runqueuemodel.h"

#include "ui/modelsummary.h"

#include <QBrush>
#include <QCoreApplication>
#include <QFileInfo>
#include <QFont>

#include <algorithm>
#include <cmath>
#include <utility>

namespace lieq::ui {

QString kindName(RunRequest::Kind k)
{
    return k == RunRequest::Kind::Quantize ? QCoreApplication::translate("lieq::ui::RunQueueModel", "quantize")
                                           : QCoreApplication::translate("lieq::ui::RunQueueModel", "evaluate");
}

double meanAccuracy(const std::map<std::string, double> &acc)
{
    if (acc.empty())
        return std::nan("");
    double s = 0;
    for (const auto &[t, v] : acc)
        s += v;
    return s / double(acc.size());
}

RunQueueModel::RunQueueModel(QObject *parent) : TableModel(parent) {}

int RunQueueModel::add(const RunRequest &r)
{
    const int row = rowCount();
    beginInsertRows({}, row, row);
    Entry e;
    e.id = m_nextId++;
    e.request = r;
    m_entries.push_back(e);
    endInsertRows();
    return e.id;
}

int RunQueueModel::addFinished(const RunRequest &r, const RunResult &result)
{
    const int row = rowCount();
    beginInsertRows({}, row, row);
    Entry e;
    e.id = m_nextId++;
    e.request = r;
    e.status = Status::Done;
    e.fraction = 1;
    e.result = result;
    e.reopened = true;
    m_entries.push_back(e);
    endInsertRows();
    resultsUpdated();
    return e.id;
}

int RunQueueModel::rowOf(int id) const
{
    for (std::size_t i = 0; i < m_entries.size(); ++i)
        if (m_entries[i].id == id)
            return int(i);
    return -1;
}

int RunQueueModel::rowOfStoreRun(std::int64_t storeRunId) const
{
    for (std::size_t i = 0; i < m_entries.size(); ++i)
        if (storeRunId > 0 && m_entries[i].request.kind == RunRequest::Kind::Quantize &&
            m_entries[i].result.storeRunId == storeRunId)
            return int(i);
    return -1;
}

const RunQueueModel::Entry *RunQueueModel::entry(int id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_entries[std::size_t(row)];
}

RunQueueModel::Entry *RunQueueModel::mutableEntry(int id)
{
    return const_cast<Entry *>(std::as_const(*this).entry(id));
}

int RunQueueModel::rowOf(const Entry &e) const
{
    return int(&e - m_entries.data());
}

void RunQueueModel::touch(const Entry &e, int firstColumn, int lastColumn)
{
    const int row = rowOf(e);
    Q_EMIT dataChanged(index(row, firstColumn), index(row, lastColumn));
}

void RunQueueModel::resultsUpdated()
{
    m_pareto.clear();
    for (int r : paretoRows())
        m_pareto.insert(m_entries[std::size_t(r)].id);
    // "% of FP16" and the bold Pareto rows of every row depend on the others' results.
    if (!m_entries.empty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    Q_EMIT resultsChanged();
}

void RunQueueModel::setStatus(int id, Status s, const QString &error)
{
    Entry *e = mutableEntry(id);
    if (!e)
        return;
    e->status = s;
    e->error = error;
    if (s != Status::Running)
        e->etaSeconds = -1;
    if (s == Status::Done)
        e->fraction = 1;
    touch(*e, 0, ColumnCount - 1);
    if (s == Status::Done)
        resultsUpdated();
}

void RunQueueModel::setProgress(int id, double fraction, double eta, const QString &stage)
{
    Entry *e = mutableEntry(id);
    if (!e)
        return;
    e->fraction = fraction;
    e->etaSeconds = eta;
    e->stage = stage;
    touch(*e, StatusCol, ProgressCol);
}

void RunQueueModel::setResult(int id, const RunResult &r)
{
    Entry *e = mutableEntry(id);
    if (!e)
        return;
    e->result = r;
    resultsUpdated();
}

bool RunQueueModel::remove(int id)
{
    const int row = rowOf(id);
    if (row < 0 || m_entries[std::size_t(row)].status == Status::Running)
        return false;
    beginRemoveRows({}, row, row);
    m_entries.erase(m_entries.begin() + row);
    endRemoveRows();
    resultsUpdated();
    return true;
}

int RunQueueModel::nextQueued() const
{
    for (const auto &e : m_entries)
        if (e.status == Status::Queued)
            return e.id;
    return 0;
}

int RunQueueModel::baselineRow(int row) const
{
    const RunRequest &q = m_entries[std::size_t(row)].request;
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        const Entry &e = m_entries[i];
        if (e.status != Status::Done || e.request.kind != RunRequest::Kind::Evaluate || !std::isfinite(e.result.ppl))
            continue;
        // Perplexities compare only under the same protocol; an empty path (tests, old rows)
        // matches anything.
        const bool sameModel = q.modelPath.isEmpty() || e.request.modelPath.isEmpty() ||
                               QFileInfo(q.modelPath) == QFileInfo(e.request.modelPath);
        if (sameModel && e.request.evaluationData == q.evaluationData && e.request.seqlen == q.seqlen &&
            e.request.maxEvalWindows == q.maxEvalWindows)
            return int(i);
    }
    return -1;
}

double RunQueueModel::baselinePpl(int row) const
{
    if (row < 0 || row >= rowCount())
        return std::nan("");
    const int b = baselineRow(row);
    return b >= 0 ? m_entries[std::size_t(b)].result.ppl : m_entries[std::size_t(row)].result.baselinePpl;
}

std::map<std::string, double> RunQueueModel::baselineAccuracy(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    const int b = baselineRow(row);
    const RunRequest &q = m_entries[std::size_t(row)].request;
    if (b >= 0 && m_entries[std::size_t(b)].request.taskLimit == q.taskLimit &&
        !m_entries[std::size_t(b)].result.taskAccuracy.empty())
        return m_entries[std::size_t(b)].result.taskAccuracy;
    return m_entries[std::size_t(row)].result.baselineAccuracy;
}

double RunQueueModel::recoveredPercent(int row, bool *fromTasks) const
{
    if (fromTasks)
        *fromTasks = false;
    if (row < 0 || row >= rowCount())
        return std::nan("");
    const RunResult &r = m_entries[std::size_t(row)].result;
    const auto base = baselineAccuracy(row);
    std::map<std::string, double> mine, theirs;
    for (const auto &[task, acc] : r.taskAccuracy)
        if (const auto it = base.find(task); it != base.end()) {
            mine[task] = acc;
            theirs[task] = it->second;
        }
    if (!mine.empty() && meanAccuracy(theirs) > 0) {
        if (fromTasks)
            *fromTasks = true;
        return 100.0 * meanAccuracy(mine) / meanAccuracy(theirs);
    }
    const double ppl = baselinePpl(row);
    if (!std::isfinite(ppl) || !std::isfinite(r.ppl) || r.ppl <= 0)
        return std::nan("");
    return 100.0 * ppl / r.ppl;
}

std::vector<int> RunQueueModel::paretoRows() const
{
    // A run is on the front when no other finished run has both fewer-or-equal bits and
    // lower-or-equal PPL with one of them strictly lower.
    std::vector<int> rows;
    for (int i = 0; i < rowCount(); ++i) {
        const Entry &a = m_entries[std::size_t(i)];
        if (a.status != Status::Done || !std::isfinite(a.result.ppl))
            continue;
        bool dominated = false;
        for (int j = 0; j < rowCount() && !dominated; ++j) {
            const Entry &b = m_entries[std::size_t(j)];
            if (j == i || b.status != Status::Done || !std::isfinite(b.result.ppl))
                continue;
            const bool noWorse = b.result.effectiveBits <= a.result.effectiveBits && b.result.ppl <= a.result.ppl;
            const bool better = b.result.effectiveBits < a.result.effectiveBits || b.result.ppl < a.result.ppl;
            dominated = noWorse && better;
        }
        if (!dominated)
            rows.push_back(i);
    }
    return rows;
}

QString RunQueueModel::statusName(Status s)
{
    switch (s) {
    case Status::Queued: return tr("queued");
    case Status::Running: return tr("running");
    case Status::Done: return tr("done");
    case Status::Failed: return tr("failed");
    case Status::Cancelled: return tr("cancelled");
    }
    return {};
}

QVariant RunQueueModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &e = m_entries[std::size_t(index.row())];
    const bool done = e.status == Status::Done;
    const bool quant = e.request.kind == RunRequest::Kind::Quantize;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case IdCol: return e.id;
        case KindCol: return kindName(e.request.kind);
        case BackendCol: return QString::fromStdString(e.request.backend);
        case BitsCol:
            if (!quant)
                return QStringLiteral("16");
            return QString::number(done ? e.result.nominalBits : e.request.plan.nominalBits(), 'f', 3);
        case StatusCol:
            if (e.status == Status::Running && !e.stage.isEmpty())
                return e.stage;
            if (done && e.reopened)
                return tr("stored #%1").arg(e.result.storeRunId);
            return statusName(e.status);
        case ProgressCol:
            if (e.status == Status::Running) {
                QString t = QStringLiteral("%1%").arg(int(e.fraction * 100));
                if (e.etaSeconds >= 0)
                    t += QStringLiteral("  ") + tr("ETA %1 s").arg(int(std::ceil(e.etaSeconds)));
                return t;
            }
            return done ? QStringLiteral("100%") : QString();
        case PplCol: return done && std::isfinite(e.result.ppl) ? QString::number(e.result.ppl, 'f', 3) : QString();
        case AccCol: {
            const double acc = meanAccuracy(e.result.taskAccuracy);
            return done && std::isfinite(acc) ? QString::number(100.0 * acc, 'f', 1) : QString();
        }
        case RecoveredCol: {
            const double rec = done ? recoveredPercent(index.row()) : std::nan("");
            return std::isfinite(rec) ? QStringLiteral("%1%").arg(rec, 0, 'f', 1) : QString();
        }
        case SizeCol:
            if (!done || e.result.sizeBytes <= 0)
                return QString();
            return QString((e.result.sizeEstimated ? QStringLiteral("≈") : QString()) + formatBytes(e.result.sizeBytes));
        case TimeCol: return done ? QStringLiteral("%1 s").arg(e.result.seconds, 0, 'f', 1) : QString();
        }
    }
    if (role == Qt::ToolTipRole) {
        if (e.status == Status::Failed)
            return e.error;
        if (index.column() == AccCol && !e.result.taskAccuracy.empty()) {
            QStringList lines;
            for (const auto &[task, acc] : e.result.taskAccuracy)
                lines << tr("%1: acc %2%").arg(QString::fromStdString(task)).arg(100.0 * acc, 0, 'f', 1);
            lines << tr("%1 items per task").arg(e.result.taskItems);
            return lines.join(QLatin1Char('\n'));
        }
        if (index.column() == RecoveredCol && done) {
            bool fromTasks = false;
            recoveredPercent(index.row(), &fromTasks);
            return fromTasks ? tr("Mean zero-shot accuracy relative to the FP16 baseline")
                             : tr("FP16 perplexity / perplexity (no zero-shot tasks to compare)");
        }
        if (index.column() == SizeCol && e.result.sizeEstimated)
            return tr("Estimated size of a GPTQ-layout checkpoint (none was saved)");
        if (index.column() == SizeCol && !e.result.outputDir.isEmpty())
            return e.result.outputDir;
        if (index.column() == BitsCol && done && quant)
            return tr("nominal %1, effective %2 bits").arg(e.result.nominalBits, 0, 'f', 3).arg(e.result.effectiveBits, 0, 'f', 3);
    }
    if (role == Qt::ForegroundRole && index.column() == StatusCol && e.status == Status::Failed)
        return QBrush(Qt::darkRed);
    if (role == Qt::FontRole && m_pareto.count(e.id)) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::UserRole)
        return e.id;
    return {};
}

int RunQueueModel::rows() const { return int(m_entries.size()); }

QStringList RunQueueModel::columnTitles() const
{
    return {tr("#"), tr("Kind"), tr("Backend"), tr("Bits"), tr("Status"), tr("Progress"),
            tr("PPL"), tr("Acc %"), tr("% of FP16"), tr("Size"), tr("Time")};
}

} // namespace lieq::ui
