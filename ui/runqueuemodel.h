#pragma once

#include "ui/runrequest.h"

#include <QAbstractTableModel>

#include <vector>

namespace lieq::ui {

// The Runs view's table: queued, running and finished runs with progress, ETA and results.
// Pure bookkeeping; RunQueue decides what runs when.
class RunQueueModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum class Status { Queued, Running, Done, Failed, Cancelled };
    enum Column { IdCol, KindCol, BackendCol, BitsCol, StatusCol, ProgressCol, PplCol, RecoveredCol,
                  SizeCol, TimeCol, ColumnCount };

    struct Entry
    {
        int id = 0;
        RunRequest request;
        Status status = Status::Queued;
        double fraction = 0;
        double etaSeconds = -1;
        QString stage;
        QString error;
        RunResult result;
    };

    explicit RunQueueModel(QObject *parent = nullptr);

    int add(const RunRequest &r); // returns the run id
    void setStatus(int id, Status s, const QString &error = {});
    void setProgress(int id, double fraction, double eta, const QString &stage);
    void setResult(int id, const RunResult &r);
    bool remove(int id); // only runs that are not running
    const Entry *entry(int id) const;
    const Entry &at(int row) const { return m_entries[std::size_t(row)]; }
    int rowOf(int id) const;
    int nextQueued() const; // id of the oldest queued run, 0 when none
    // FP16 baseline PPL among finished Evaluate runs (NaN when none), for "% of FP16".
    double baselinePpl() const;
    // Rows of finished runs on the PPL-vs-bits Pareto front (lower bits and lower PPL).
    std::vector<int> paretoRows() const;

    static QString statusName(Status s);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void resultsChanged();

private:
    void touch(int row);
    std::vector<Entry> m_entries;
    int m_nextId = 1;
};

} // namespace lieq::ui
