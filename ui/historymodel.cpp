#include "ui/historymodel.h"

#include <QDateTime>
#include <QFileInfo>

#include <cmath>

namespace lieq::ui {

HistoryModel::HistoryModel(QObject *parent) : TableModel(parent) {}

void HistoryModel::setPage(const store::RunPage &page)
{
    beginResetModel();
    m_runs = page.runs;
    m_total = page.total;
    endResetModel();
}

void HistoryModel::setSweeps(std::map<std::int64_t, store::SweepMembership> memberships)
{
    m_sweeps = std::move(memberships);
    if (!m_runs.empty())
        Q_EMIT dataChanged(index(0, SweepCol), index(rowCount() - 1, SweepCol));
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const store::RunSummary &r = m_runs[std::size_t(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case KindCol: return r.kind == store::RunKind::Analysis ? tr("analysis") : tr("quantization");
        case IdCol: return qint64(r.id);
        case ModelCol: return QString::fromStdString(r.modelName);
        case DatasetCol: return QFileInfo(QString::fromStdString(r.datasetPath)).fileName();
        case BackendCol: return QString::fromStdString(r.backend);
        case StatusCol: return QString::fromStdString(store::runStatusName(r.status));
        case LayersCol: return qint64(r.layerRows);
        case TimeCol:
            return std::isfinite(r.wallSeconds) ? QStringLiteral("%1 s").arg(r.wallSeconds, 0, 'f', 1) : QString();
        case CreatedCol:
            return QDateTime::fromMSecsSinceEpoch(r.createdAtMs).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
        case SweepCol:
            if (const auto *m = sweepOf(r))
                return QStringLiteral("%1 #%2").arg(QString::fromStdString(m->sweepName)).arg(m->cellIndex);
            return QString();
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == ModelCol)
            return QString::fromStdString(r.modelPath);
        if (index.column() == StatusCol && !r.errorText.empty())
            return QString::fromStdString(r.errorText);
        if (index.column() == SweepCol)
            if (const auto *m = sweepOf(r))
                return QString::fromStdString(m->label);
    }
    return {};
}

const store::SweepMembership *HistoryModel::sweepOf(const store::RunSummary &r) const
{
    if (r.kind != store::RunKind::Quant)
        return nullptr;
    const auto it = m_sweeps.find(r.id);
    return it == m_sweeps.end() ? nullptr : &it->second;
}

int HistoryModel::rows() const { return int(m_runs.size()); }

QStringList HistoryModel::columnTitles() const
{
    return {tr("Kind"), tr("ID"), tr("Model"), tr("Dataset"), tr("Backend"), tr("Status"),
            tr("Layers"), tr("Time"), tr("Created"), tr("Sweep")};
}

} // namespace lieq::ui
