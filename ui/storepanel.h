#pragma once

#include <QString>
#include <QWidget>

namespace lieq::ui {

class JobRunner;

// A view of the experiment store: its reads and writes run as JobRunner jobs in worker
// threads, each job with its own connection (the store is one-connection-per-thread).
// Setting the store path re-reads the view.
class StorePanel : public QWidget
{
    Q_OBJECT
public:
    void setStorePath(const QString &path);
    const QString &storePath() const { return m_storePath; }
    virtual void refresh() = 0; // re-reads what the view shows

protected:
    StorePanel(JobRunner *jobs, QWidget *parent);
    // Called when the store changes, before the refresh: forget what came from the old one.
    virtual void storeChanged() {}

    JobRunner *const m_jobs;

private:
    QString m_storePath;
};

} // namespace lieq::ui
