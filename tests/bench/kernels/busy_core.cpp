#include "tests/bench/kernels/busy_core.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace lieq::bench {

namespace {

int lastAllowedCpu()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    int last = 0;
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set))
            last = c;
    return last;
}

} // namespace

BusyCore::BusyCore(int cpu) : m_cpu(cpu < 0 ? lastAllowedCpu() : cpu)
{
    // The child only makes system calls and spins (it may be forked from a threaded process:
    // no locks, no allocation), until SIGKILL.
    m_pid = ::fork();
    if (m_pid == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(m_cpu, &set);
        sched_setaffinity(0, sizeof set, &set);
        volatile unsigned long x = 1;
        for (;;)
            x = x * 6364136223846793005ul + 1442695040888963407ul;
    }
    // Let it reach its CPU before anything is timed.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

BusyCore::~BusyCore()
{
    if (m_pid <= 0)
        return;
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
}

} // namespace lieq::bench
