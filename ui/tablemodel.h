#pragma once

#include <QAbstractTableModel>
#include <QStringList>

namespace lieq::ui {

// A flat table: the row count and translated column titles come from the subclass; rowCount,
// columnCount and the horizontal header follow from them.
class TableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const final;
    int columnCount(const QModelIndex &parent = {}) const final;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

protected:
    virtual int rows() const = 0;
    virtual QStringList columnTitles() const = 0; // one per column, in column order
};

} // namespace lieq::ui
