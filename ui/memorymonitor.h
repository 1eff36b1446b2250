#pragma once

#include <QObject>
#include <QTimer>

namespace lieq::ui {

// Polls the process's resident set size (from /proc/self/statm) for the status bar.
class MemoryMonitor : public QObject
{
    Q_OBJECT
public:
    explicit MemoryMonitor(QObject *parent = nullptr, int intervalMs = 1000);

    static qint64 residentBytes(); // -1 where /proc is unavailable
    qint64 lastResidentBytes() const { return m_last; }
    qint64 peakResidentBytes() const { return m_peak; }

Q_SIGNALS:
    void residentChanged(qint64 bytes, qint64 peakBytes);

private:
    void poll();
    QTimer m_timer;
    qint64 m_last = -1;
    qint64 m_peak = -1;
};

} // namespace lieq::ui
