#pragma once

#include "core/util/progress.h"

#include <chrono>
#include <string>

namespace lieq::cli {

// Draws a progress bar with rate and ETA on stderr (redrawn in place on a terminal, a line
// every few seconds otherwise). SIGINT asks the running operation to cancel cleanly.
class TerminalProgress
{
public:
    explicit TerminalProgress(bool enabled = true);
    ~TerminalProgress();

    // The callback to hand to core functions.
    ProgressFn callback();
    void finish(); // ends the bar line

    static bool interrupted(); // Ctrl-C was pressed

private:
    bool update(const Progress &p);
    bool m_enabled;
    bool m_tty;
    std::string m_stage;
    std::chrono::steady_clock::time_point m_stageStart;
    std::chrono::steady_clock::time_point m_lastDraw;
    bool m_drawn = false;
};

} // namespace lieq::cli
