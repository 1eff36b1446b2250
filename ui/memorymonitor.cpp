#include "ui/memorymonitor.h"

#include <cstdio>
#include <unistd.h>

namespace lieq::ui {

MemoryMonitor::MemoryMonitor(QObject *parent, int intervalMs) : QObject(parent)
{
    connect(&m_timer, &QTimer::timeout, this, &MemoryMonitor::poll);
    m_timer.start(intervalMs);
    QTimer::singleShot(0, this, &MemoryMonitor::poll);
}

qint64 MemoryMonitor::residentBytes()
{
    // statm: size resident shared text lib data dt, in pages. One small read, no parsing
    // library: this runs every second on the GUI thread.
    std::FILE *f = std::fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    long long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lld %lld", &size, &resident);
    std::fclose(f);
    if (n != 2)
        return -1;
    return qint64(resident) * qint64(sysconf(_SC_PAGESIZE));
}

void MemoryMonitor::poll()
{
    const qint64 rss = residentBytes();
    if (rss < 0)
        return;
    m_peak = std::max(m_peak, rss);
    if (rss != m_last) {
        m_last = rss;
        Q_EMIT residentChanged(rss, m_peak);
    }
}

} // namespace lieq::ui
