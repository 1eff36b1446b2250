#pragma once

#include "core/store/records.h"

#include <QAbstractTableModel>

namespace lieq::ui {

// The experiment history (analysis and quantization runs from core/store), newest first.
class HistoryModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { KindCol, IdCol, ModelCol, DatasetCol, BackendCol, StatusCol, LayersCol, TimeCol, CreatedCol,
                  ColumnCount };

    explicit HistoryModel(QObject *parent = nullptr);

    void setPage(const store::RunPage &page);
    const store::RunSummary &at(int row) const { return m_runs[std::size_t(row)]; }
    std::int64_t total() const { return m_total; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    std::vector<store::RunSummary> m_runs;
    std::int64_t m_total = 0;
};

} // namespace lieq::ui
