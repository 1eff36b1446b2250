#pragma once

#include "ui/runrequest.h"

#include "ui/tablemodel.h"

#include <set>
#include <vector>

namespace lieq::ui {

// The Runs view's table: queued, running and finished runs with progress, ETA and results,
// plus runs reopened from the experiment store. Pure bookkeeping; RunQueue decides what runs
// when. Rows on the PPL-vs-bits Pareto front are shown in bold.
class RunQueueModel : public TableModel
{
    Q_OBJECT
public:
    enum class Status { Queued, Running, Done, Failed, Cancelled };
    enum Column { IdCol, KindCol, BackendCol, BitsCol, StatusCol, ProgressCol, PplCol, AccCol, RecoveredCol,
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
        bool reopened = false; // loaded from the store, not run in this session
    };

    explicit RunQueueModel(QObject *parent = nullptr);

    int add(const RunRequest &r); // returns the run id
    // A finished run from the experiment store (History > Reopen); returns its id.
    int addFinished(const RunRequest &r, const RunResult &result);
    void setStatus(int id, Status s, const QString &error = {});
    void setProgress(int id, double fraction, double eta, const QString &stage);
    void setResult(int id, const RunResult &r);
    bool remove(int id); // only runs that are not running
    const Entry *entry(int id) const;
    const Entry &at(int row) const { return m_entries[std::size_t(row)]; }
    int rowOf(int id) const;
    int rowOfStoreRun(std::int64_t storeRunId) const; // -1 when not in the table
    int nextQueued() const; // id of the oldest queued run, 0 when none

    // The FP16 reference of a row: a finished Evaluate run of the same model with the same
    // perplexity data, window length and window cap; else the stored baseline the run found.
    // NaN when there is none.
    double baselinePpl(int row) const;
    std::map<std::string, double> baselineAccuracy(int row) const;
    // "% of FP16 recovered": mean zero-shot accuracy over the tasks both have, relative to the
    // baseline's (the paper's measure); without tasks, baseline PPL / PPL. NaN when unknown.
    double recoveredPercent(int row, bool *fromTasks = nullptr) const;
    // Rows of finished runs on the PPL-vs-bits Pareto front (lower bits and lower PPL).
    std::vector<int> paretoRows() const;

    static QString statusName(Status s);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void resultsChanged();

protected:
    int rows() const override;
    QStringList columnTitles() const override;

private:
    Entry *mutableEntry(int id); // nullptr when `id` is not in the table
    int rowOf(const Entry &e) const;
    // Repaints columns firstColumn..lastColumn of the entry's row.
    void touch(const Entry &e, int firstColumn, int lastColumn);
    void resultsUpdated(); // recomputes the cached front and repaints result columns
    int baselineRow(int row) const;
    std::vector<Entry> m_entries;
    std::set<int> m_pareto; // ids
    int m_nextId = 1;
};

} // namespace lieq::ui
