#pragma once

#include <cstdint>

// Whether one repeated piece of kernel work (one weight matrix at one batch size) should be
// split over the thread pool or run on the calling thread alone, decided by timing both ways.
// Splitting pays only when the work is larger than the cost of waking the workers and the other
// cores are free: on a shared machine a second thread that has to wait for its core makes a GEMV
// slower than one thread (the threads issue's rule is "never slower than one thread"). Neither
// can be known in advance, so each way is timed and the faster kept; the other way is tried
// again every kRecheck calls, because load comes and goes.
//
// Not thread-safe by itself (kernels/parallel.cpp guards its table of choosers with a mutex).
// The decision never changes results: a split only changes which thread computes which rows.
namespace lieq::kernels {

class SplitChooser
{
public:
    static constexpr int kProbeRuns = 3;          // timed runs each way before choosing
    static constexpr std::uint64_t kRecheck = 64; // then every kRecheck-th call the other way

    // Other counts for work of another grain (whole decode steps: core/model/decode_threads.h).
    // decisiveRatio > 1 ends the probes early once both ways have run and one took that many
    // times as long as the other (a split on a busy core): its remaining probes would only cost.
    // After the probes the choice changes only when the other way is faster by more than
    // switchMargin (a fraction): a way seen only in single rechecks, which may run under other
    // conditions than in a long stretch, must win clearly. splitMargin (if larger) is the margin
    // by which the split must be faster to be chosen at all, after the probes too: where the two
    // ways are about even, staying unsplit leaves the other cores to whoever needs them, and a
    // split that only won by noise does not cost its waits on a busy core.
    explicit SplitChooser(int probeRuns = kProbeRuns, std::uint64_t recheck = kRecheck,
                          double decisiveRatio = 0, double switchMargin = 0, double splitMargin = 0)
        : m_probeRuns(probeRuns < 1 ? 1 : probeRuns), m_recheck(recheck < 2 ? 2 : recheck),
          m_decisive(decisiveRatio), m_margin(switchMargin < 0 ? 0 : switchMargin),
          m_splitMargin(splitMargin < m_margin ? m_margin : splitMargin)
    {
    }

    struct Choice
    {
        bool split = false;
        bool timed = true;    // false for the first call (page faults, cold caches)
        bool recheck = false; // runs the way not preferred, to see whether that changed
    };

    // How the next call should run. Pass it to record() with the call's time.
    Choice next();
    void record(const Choice &c, double seconds);

    // The way chosen after probing (meaningless while probing()).
    bool prefersSplit() const { return m_prefersSplit; }
    bool probing() const
    {
        return (m_serialRuns < m_probeRuns || m_splitRuns < m_probeRuns) && !decisive();
    }
    double serialSeconds() const { return m_serial; }
    double splitSeconds() const { return m_split; }

private:
    bool decisive() const
    {
        return m_decisive > 1 && m_serialRuns > 0 && m_splitRuns > 0 &&
               (m_split > m_decisive * m_serial || m_serial > m_decisive * m_split);
    }

    int m_probeRuns;
    std::uint64_t m_recheck;
    double m_decisive;
    double m_margin;
    double m_splitMargin; // >= m_margin; also for the first choice
    bool m_prefersSplit = false;
    double m_serial = 0, m_split = 0; // running means of the recorded times, seconds
    int m_serialRuns = 0, m_splitRuns = 0;
    std::uint64_t m_calls = 0;        // calls to next()
};

} // namespace lieq::kernels
