#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <algorithm>
#include <cstdio>

#ifdef Q_OS_LINUX
#include <ctime>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

// Measures how long the GUI thread is unavailable: a 5 ms precise timer ticks on it, and the
// longest gap between two ticks is the longest stall a user would feel. On Linux each gap is
// split into time the thread ran (its CPU clock: work done on the GUI thread), time it waited
// for a core (schedstat run delay: a loaded machine) and the rest (blocked: locks, I/O), so a
// figure says what to fix.
class StallWatchdog : public QObject
{
public:
    struct Split
    {
        qint64 wallMs = 0;
        double runningMs = 0;
        double waitingMs = 0;
        double blockedMs() const { return std::max(0.0, double(wallMs) - runningMs - waitingMs); }
    };

    StallWatchdog()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] { tick(); });
        m_clock.start();
        sample(m_lastCpu, m_lastWait);
        m_timer.start(5);
    }
    ~StallWatchdog() override
    {
#ifdef Q_OS_LINUX
        if (m_schedstat >= 0)
            ::close(m_schedstat);
#endif
    }
    void stop() { m_timer.stop(); }
    qint64 longestMs() const { return m_longest.wallMs; }
    const Split &longest() const { return m_longest; }
    int stallsOver50Ms() const { return m_over50; }
    double runningOver50Ms() const { return m_runningOver50; } // GUI-thread work inside long gaps
    int ticks() const { return m_ticks; }
    QString summary() const
    {
        return QStringLiteral("%1 ms (ran %2 ms, waited for a CPU %3 ms, blocked %4 ms); %5 stalls over 50 ms "
                              "with %6 ms of GUI-thread work in them")
            .arg(m_longest.wallMs)
            .arg(m_longest.runningMs, 0, 'f', 1)
            .arg(m_longest.waitingMs, 0, 'f', 1)
            .arg(m_longest.blockedMs(), 0, 'f', 1)
            .arg(m_over50)
            .arg(m_runningOver50, 0, 'f', 1);
    }

private:
    // Thread CPU time and run-queue wait time of the GUI thread, in ms. The schedstat file stays
    // open (read again at offset 0): opening it every 5 ms cost more than what it measured.
    void sample(double &cpuMs, double &waitMs)
    {
        cpuMs = waitMs = 0;
#ifdef Q_OS_LINUX
        timespec ts{};
        if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
            cpuMs = double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
        if (m_schedstat < 0) {
            char path[64];
            std::snprintf(path, sizeof path, "/proc/self/task/%ld/schedstat", long(::syscall(SYS_gettid)));
            m_schedstat = ::open(path, O_RDONLY | O_CLOEXEC);
        }
        char buf[128];
        const ssize_t n = m_schedstat >= 0 ? ::pread(m_schedstat, buf, sizeof buf - 1, 0) : -1;
        if (n > 0) {
            buf[n] = 0;
            unsigned long long run = 0, wait = 0;
            if (std::sscanf(buf, "%llu %llu", &run, &wait) == 2)
                waitMs = double(wait) / 1e6;
        }
#endif
    }

    void tick()
    {
        const qint64 now = m_clock.elapsed();
        double cpu = 0, wait = 0;
        sample(cpu, wait);
        Split s{now - m_last, cpu - m_lastCpu, wait - m_lastWait};
        if (s.wallMs > m_longest.wallMs)
            m_longest = s;
        if (s.wallMs > 50) {
            ++m_over50;
            m_runningOver50 += s.runningMs;
        }
        ++m_ticks;
        m_last = now;
        m_lastCpu = cpu;
        m_lastWait = wait;
    }

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    double m_lastCpu = 0, m_lastWait = 0;
    Split m_longest;
    int m_over50 = 0;
    double m_runningOver50 = 0;
    int m_ticks = 0;
    int m_schedstat = -1;
};
