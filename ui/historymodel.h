#pragma once

#include "core/store/records.h"
#include "core/store/sweep_records.h"

#include "ui/tablemodel.h"

namespace lieq::ui {

// The experiment history (analysis and quantization runs from core/store), newest first.
class HistoryModel : public TableModel
{
    Q_OBJECT
public:
    enum Column { KindCol, IdCol, ModelCol, DatasetCol, BackendCol, StatusCol, LayersCol, TimeCol, CreatedCol,
                  SweepCol, ColumnCount };

    explicit HistoryModel(QObject *parent = nullptr);

    void setPage(const store::RunPage &page);
    // The sweep and cell of each quantization run that came from one (the Sweep column).
    void setSweeps(std::map<std::int64_t, store::SweepMembership> memberships);
    const store::RunSummary &at(int row) const { return m_runs[std::size_t(row)]; }
    std::int64_t total() const { return m_total; }

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

protected:
    int rows() const override;
    QStringList columnTitles() const override;

private:
    const store::SweepMembership *sweepOf(const store::RunSummary &r) const;
    std::vector<store::RunSummary> m_runs;
    std::int64_t m_total = 0;
    std::map<std::int64_t, store::SweepMembership> m_sweeps; // quant run id -> its sweep cell
};

} // namespace lieq::ui
