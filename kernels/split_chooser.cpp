#include "kernels/split_chooser.h"

#include <algorithm>

namespace lieq::kernels {

SplitChooser::Choice SplitChooser::next()
{
    ++m_calls;
    Choice c;
    if (m_calls == 1) {
        c.timed = false;
        return c;
    }
    if (probing()) {
        // Alternating, so that a change of load during the probes hits both ways alike.
        c.split = m_splitRuns < m_serialRuns;
        return c;
    }
    c.recheck = m_calls % m_recheck == 0;
    c.split = prefersSplit() != c.recheck;
    return c;
}

void SplitChooser::record(const Choice &c, double seconds)
{
    if (!c.timed)
        return;
    int &runs = c.split ? m_splitRuns : m_serialRuns;
    double &mean = c.split ? m_split : m_serial;
    // The probes count alike (a plain mean: the first one is no better than the others). A
    // recheck replaces the other way's old mean: if that way became faster (a core came free)
    // the choice flips at once, and if this one time was luck, the times of the way now chosen
    // flip it back within a few calls. The chosen way's own times are smoothed.
    if (runs == 0 || c.recheck)
        mean = seconds;
    else if (runs < m_probeRuns)
        mean += (seconds - mean) / (runs + 1);
    else
        mean = 0.75 * mean + 0.25 * seconds;
    runs = std::min(runs + 1, m_probeRuns);
    // The first choice after the probes is the unsplit way's rule: m_prefersSplit starts false.
    if (probing())
        return;
    if (m_prefersSplit ? m_serial * (1 + m_margin) < m_split : m_split * (1 + m_splitMargin) < m_serial)
        m_prefersSplit = !m_prefersSplit;
}

} // namespace lieq::kernels
