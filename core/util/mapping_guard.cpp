#include "core/util/mapping_guard.h"

#include "core/util/error.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

namespace lieq {

namespace {

// The handler reads only these atomics (async-signal-safe); paths are touched under the mutex
// by normal code only.
struct Slot
{
    std::atomic<std::uintptr_t> begin{0};
    std::atomic<std::uintptr_t> end{0};
    std::atomic<bool> lost{false};
    std::string path;
};

constexpr int kSlots = 4096;
Slot g_slots[kSlots];
std::atomic<int> g_lostCount{0};
std::mutex g_mutex;
struct sigaction g_previous; // written once, before our handler is installed
std::uintptr_t g_pageSize = 4096;
bool g_installed = false;

// Runs in signal context: only atomics, the constant page size, and system calls (mmap is a
// plain system call wrapper in glibc; signal and raise are async-signal-safe). No locks, no
// allocation, no errno-visible library state beyond what is restored below.
void onSigbus(int sig, siginfo_t *info, void *context)
{
    const int savedErrno = errno;
    // si_code <= 0: sent by kill()/raise()/sigqueue(), not a memory fault; si_addr means nothing.
    if (info && info->si_code > 0) {
        const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
        for (Slot &s : g_slots) {
            const std::uintptr_t b = s.begin.load(std::memory_order_acquire);
            if (b == 0 || addr < b || addr >= s.end.load(std::memory_order_acquire))
                continue;
            void *at = reinterpret_cast<void *>(addr & ~(g_pageSize - 1));
            // Zeros in place of the lost page: the faulting read is retried and succeeds.
            if (::mmap(at, g_pageSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
                break; // cannot repair: die as without the guard
            if (!s.lost.exchange(true))
                g_lostCount.fetch_add(1);
            errno = savedErrno;
            return;
        }
    }
    errno = savedErrno;
    // Not ours: behave as if this handler did not exist.
    if (g_previous.sa_flags & SA_SIGINFO) {
        if (g_previous.sa_sigaction) {
            g_previous.sa_sigaction(sig, info, context);
            return;
        }
    } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
        g_previous.sa_handler(sig);
        return;
    }
    // Default action (an ignored fault signal is fatal anyway): for a fault, returning retries the
    // access, which faults again with the default disposition; for a sent signal, the raise below
    // is delivered as soon as this handler returns and unblocks SIGBUS.
    ::signal(SIGBUS, SIG_DFL);
    ::raise(SIGBUS);
}

// Called with g_mutex held.
void installOnce()
{
    if (g_installed)
        return;
    g_pageSize = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    // Read the previous disposition before replacing it, so that a foreign SIGBUS arriving while
    // we install never sees a half-written g_previous.
    ::sigaction(SIGBUS, nullptr, &g_previous);
    struct sigaction sa{};
    sa.sa_sigaction = onSigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, nullptr);
    g_installed = true;
}

} // namespace

int MappingGuard::add(const void *begin, std::size_t size, const std::string &path)
{
    if (!begin || size == 0)
        return -1;
    std::lock_guard lock(g_mutex);
    installOnce();
    for (int i = 0; i < kSlots; ++i) {
        Slot &s = g_slots[i];
        if (s.begin.load() != 0)
            continue;
        s.path = path;
        s.lost.store(false);
        s.end.store(reinterpret_cast<std::uintptr_t>(begin) + size, std::memory_order_release);
        s.begin.store(reinterpret_cast<std::uintptr_t>(begin), std::memory_order_release);
        return i;
    }
    return -1;
}

void MappingGuard::remove(int handle)
{
    if (handle < 0 || handle >= kSlots)
        return;
    std::lock_guard lock(g_mutex);
    Slot &s = g_slots[handle];
    s.begin.store(0, std::memory_order_release);
    s.end.store(0, std::memory_order_release);
    if (s.lost.exchange(false))
        g_lostCount.fetch_sub(1);
    s.path.clear();
}

bool MappingGuard::changed(int handle)
{
    return handle >= 0 && handle < kSlots && g_slots[handle].lost.load();
}

void MappingGuard::throwIfChanged()
{
    if (g_lostCount.load(std::memory_order_relaxed) == 0)
        return;
    std::lock_guard lock(g_mutex);
    for (const Slot &s : g_slots)
        if (s.begin.load() != 0 && s.lost.load())
            throw Error(s.path, "the file was truncated or rewritten on disk while in use; the "
                                "results would be wrong: reopen the model");
}

} // namespace lieq
