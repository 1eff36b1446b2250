#include "app/cli/terminal_progress.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace lieq::cli {

namespace {
std::atomic<bool> g_interrupted{false};
void onSigint(int) { g_interrupted = true; }

std::string formatSeconds(double s)
{
    char buf[32];
    if (s < 0 || s > 1e7)
        return "?";
    const long t = static_cast<long>(s + 0.5);
    if (t >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else if (t >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", t);
    return buf;
}
} // namespace

TerminalProgress::TerminalProgress(bool enabled)
    : m_enabled(enabled), m_tty(::isatty(STDERR_FILENO) != 0)
{
    std::signal(SIGINT, onSigint);
}

TerminalProgress::~TerminalProgress()
{
    finish();
    std::signal(SIGINT, SIG_DFL);
}

bool TerminalProgress::interrupted() { return g_interrupted.load(); }

ProgressFn TerminalProgress::callback()
{
    return [this](const Progress &p) { return update(p); };
}

bool TerminalProgress::update(const Progress &p)
{
    const auto now = std::chrono::steady_clock::now();
    if (p.stage != m_stage) {
        if (m_drawn && m_tty)
            std::fputc('\n', stderr);
        m_stage = p.stage;
        m_stageStart = now;
        m_lastDraw = {};
        m_drawn = false;
    }
    if (!m_enabled)
        return !g_interrupted;
    const double sinceDraw = std::chrono::duration<double>(now - m_lastDraw).count();
    const bool last = p.total > 0 && p.done >= p.total;
    if (sinceDraw < (m_tty ? 0.1 : 5.0) && !last && m_drawn)
        return !g_interrupted;
    m_lastDraw = now;
    const double elapsed = std::chrono::duration<double>(now - m_stageStart).count();
    const double frac = p.total > 0 ? static_cast<double>(p.done) / static_cast<double>(p.total) : 0;
    const double eta = frac > 0 ? elapsed * (1 - frac) / frac : -1;
    constexpr int width = 30;
    std::string bar(width, ' ');
    for (int i = 0; i < static_cast<int>(frac * width + 0.5) && i < width; ++i)
        bar[static_cast<std::size_t>(i)] = '#';
    std::fprintf(stderr, "%s%-24.24s [%s] %lld/%lld %5.1f%% elapsed %s eta %s %s%s",
                 m_tty ? "\r" : "", p.stage.c_str(), bar.c_str(), static_cast<long long>(p.done),
                 static_cast<long long>(p.total), frac * 100, formatSeconds(elapsed).c_str(),
                 formatSeconds(eta).c_str(), p.detail.c_str(), m_tty ? "\033[K" : "\n");
    std::fflush(stderr);
    m_drawn = true;
    return !g_interrupted;
}

void TerminalProgress::finish()
{
    if (m_drawn && m_tty)
        std::fputc('\n', stderr);
    m_drawn = false;
}

} // namespace lieq::cli
