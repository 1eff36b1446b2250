#pragma once

#include <sys/types.h>

// A process that keeps one CPU busy for as long as the object lives: a forked child pinned to
// that CPU (sched_setaffinity) spinning on integer work at normal priority, like another user's
// job on a shared machine. The benchmarks measure "threads 1 vs 2 with a core busy elsewhere"
// with it (the threads issue's rule: the kernels' own threading never slower than one thread).
namespace lieq::bench {

class BusyCore
{
public:
    // cpu < 0: the last CPU this process may run on.
    explicit BusyCore(int cpu = -1);
    ~BusyCore();
    BusyCore(const BusyCore &) = delete;
    BusyCore &operator=(const BusyCore &) = delete;

    bool running() const { return m_pid > 0; }
    int cpu() const { return m_cpu; }

private:
    pid_t m_pid = -1;
    int m_cpu = -1;
};

} // namespace lieq::bench
