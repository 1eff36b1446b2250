#include "ui/tablemodel.h"

namespace lieq::ui {

int TableModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : rows(); }

int TableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(columnTitles().size());
}

QVariant TableModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o == Qt::Horizontal && role == Qt::DisplayRole) {
        const QStringList titles = columnTitles();
        return section >= 0 && section < titles.size() ? QVariant(titles[section]) : QVariant();
    }
    return QAbstractTableModel::headerData(section, o, role);
}

} // namespace lieq::ui
