#pragma once

#include "core/store/records.h"
#include "core/store/sweep_records.h"
#include "ui/storedquantrun.h"

#include "ui/storepanel.h"
#include "ui/translatedtexts.h"

#include <QMetaType>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTextBrowser;

namespace lieq::ui {

class HistoryModel;

// The experiment history from the SQLite store: filter by model, backend and kind; reopen an
// analysis in the layer view; compare two runs side by side; delete. Store access runs in
// worker threads, each job with its own connection (the store is one-connection-per-thread).
class HistoryPanel : public StorePanel
{
    Q_OBJECT
public:
    HistoryPanel(JobRunner *jobs, QWidget *parent = nullptr);

    HistoryModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QLineEdit *modelFilter() const { return m_modelFilter; }
    // All runs, or only the quantization runs of one collected sweep (the Sweep column says
    // which sweep and cell every run came from).
    QComboBox *sweepFilter() const { return m_sweep; }

    void reopen(int row);
    void compare(int rowA, int rowB);
    void remove(int row);
    // Export the selected runs (RunExportDialog); returns the open dialog (tests drive it).
    class RunExportDialog *exportRows(const QList<int> &rows);
    // Restores a bundle into this panel's store (File > Import), then refreshes.
    void importBundle(const QString &path);
    // Where the run of `row` was exported to, in the detail pane.
    void showExports(int row);

Q_SIGNALS:
    void historyAvailable(int rows);
    void analysisReopened(const lieq::store::AnalysisRunDetail &detail);
    // With its evaluation rows and the request/result the Runs view shows for it.
    void quantRunReopened(const lieq::ui::StoredQuantRun &run);
    void comparisonAvailable(const QString &html);
    void historyFailed(const QString &message);
    void exportsAvailable(const QString &html);
    void bundleImported(const QString &summary);

public Q_SLOTS:
    void refresh() override;


private:
    void retranslate();
    void showCount(); // "N of M runs", in the current language
    store::RunFilter filter() const;
    QList<int> selectedRows() const;
    void fillSweepFilter(const std::vector<store::SweepRecord> &sweeps);
    void reportFailure(quint64 job); // the job's failure (a JobId) becomes historyFailed
    template<typename T>
    using RunWork = std::function<T(const QString &storePath, const store::RunSummary &run)>;
    // Runs `work` on the store and the run in `row` in a worker thread under job `key`, then
    // `done` with its value in the GUI thread; nothing when `row` is not in the table.
    template<typename T>
    void startOnRun(int row, const QString &key, RunWork<T> work, std::function<void(T)> done);

    HistoryModel *m_model;
    QLineEdit *m_modelFilter;
    QLineEdit *m_backendFilter;
    QComboBox *m_kind;
    QComboBox *m_sweep;
    QPushButton *m_refresh, *m_reopen, *m_compareButton, *m_delete, *m_exportButton, *m_importButton;
    QTableView *m_table;
    QTextBrowser *m_compare;
    QLabel *m_count;
    TranslatedTexts m_texts{staticMetaObject};
};

} // namespace lieq::ui

Q_DECLARE_METATYPE(lieq::store::AnalysisRunDetail)
