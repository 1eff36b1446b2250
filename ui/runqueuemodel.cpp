#include "ui/runqueuemodel.h"

#include "ui/modelsummary.h"

#include <QBrush>
#include <QCoreApplication>
#include <QFont>

#include <algorithm>
#include <cmath>

namespace lieq::ui {

QString kindName(RunRequest::Kind k)
{
    return k == RunRequest::Kind::Quantize ? QCoreApplication::translate("lieq::ui::RunQueueModel", "quantize")
                                           : QCoreApplication::translate("lieq::ui::RunQueueModel", "evaluate");
}

RunQueueModel::RunQueueModel(QObject *parent) : QAbstractTableModel(parent) {}

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

int RunQueueModel::rowOf(int id) const
{
    for (std::size_t i = 0; i < m_entries.size(); ++i)
        if (m_entries[i].id == id)
            return int(i);
    return -1;
}

const RunQueueModel::Entry *RunQueueModel::entry(int id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_entries[std::size_t(row)];
}

void RunQueueModel::touch(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void RunQueueModel::setStatus(int id, Status s, const QString &error)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    Entry &e = m_entries[std::size_t(row)];
    e.status = s;
    e.error = error;
    if (s != Status::Running)
        e.etaSeconds = -1;
    touch(row);
    if (s == Status::Done)
        Q_EMIT resultsChanged();
}

void RunQueueModel::setProgress(int id, double fraction, double eta, const QString &stage)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    Entry &e = m_entries[std::size_t(row)];
    e.fraction = fraction;
    e.etaSeconds = eta;
    e.stage = stage;
    Q_EMIT dataChanged(index(row, StatusCol), index(row, ProgressCol));
}

void RunQueueModel::setResult(int id, const RunResult &r)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_entries[std::size_t(row)].result = r;
    // "% of FP16" of every row depends on the baseline: refresh the whole column.
    Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    Q_EMIT resultsChanged();
}

bool RunQueueModel::remove(int id)
{
    const int row = rowOf(id);
    if (row < 0 || m_entries[std::size_t(row)].status == Status::Running)
        return false;
    beginRemoveRows({}, row, row);
    m_entries.erase(m_entries.begin() + row);
    endRemoveRows();
    Q_EMIT resultsChanged();
    return true;
}

int RunQueueModel::nextQueued() const
{
    for (const auto &e : m_entries)
        if (e.status == Status::Queued)
            return e.id;
    return 0;
}

double RunQueueModel::baselinePpl() const
{
    for (const auto &e : m_entries)
        if (e.status == Status::Done && e.request.kind == RunRequest::Kind::Evaluate &&
            std::isfinite(e.result.ppl))
            return e.result.ppl;
    return std::nan("");
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

int RunQueueModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int RunQueueModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunQueueModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &e = m_entries[std::size_t(index.row())];
    const bool done = e.status == Status::Done;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case IdCol: return e.id;
        case KindCol: return kindName(e.request.kind);
        case BackendCol: return QString::fromStdString(e.request.backend);
        case BitsCol:
            if (e.request.kind == RunRequest::Kind::Evaluate)
                return QStringLiteral("16");
            return QString::number(e.request.plan.nominalBits(), 'f', 3);
        case StatusCol:
            if (e.status == Status::Running && !e.stage.isEmpty())
                return e.stage;
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
        case RecoveredCol: {
            const double base = baselinePpl();
            if (!done || !std::isfinite(base) || !std::isfinite(e.result.ppl) || e.result.ppl <= 0)
                return QString();
            // Perplexity recovered relative to FP16: base / ppl (100% for the baseline itself).
            return QStringLiteral("%1%").arg(100.0 * base / e.result.ppl, 0, 'f', 1);
        }
        case SizeCol: return done && e.result.sizeBytes > 0 ? formatBytes(e.result.sizeBytes) : QString();
        case TimeCol: return done ? QStringLiteral("%1 s").arg(e.result.seconds, 0, 'f', 1) : QString();
        }
    }
    if (role == Qt::ToolTipRole && e.status == Status::Failed)
        return e.error;
    if (role == Qt::ForegroundRole && index.column() == StatusCol && e.status == Status::Failed)
        return QBrush(Qt::darkRed);
    if (role == Qt::UserRole)
        return e.id;
    return {};
}

QVariant RunQueueModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, o, role);
    switch (section) {
    case IdCol: return tr("#");
    case KindCol: return tr("Kind");
    case BackendCol: return tr("Backend");
    case BitsCol: return tr("Bits");
    case StatusCol: return tr("Status");
    case ProgressCol: return tr("Progress");
    case PplCol: return tr("PPL");
    case RecoveredCol: return tr("% of FP16");
    case SizeCol: return tr("Size");
    case TimeCol: return tr("Time");
    }
    return {};
}

} // namespace lieq::ui
