#include "core/model/decode_threads.h"

#include <cstdlib>
#include <cstring>

namespace lieq {

DecodeThreadPolicy decodeThreadPolicyFromEnvironment()
{
    static const DecodeThreadPolicy policy = [] {
        const char *env = std::getenv("LIEQ_DECODE_THREADS");
        if (env && std::strcmp(env, "1") == 0)
            return DecodeThreadPolicy::One;
        if (env && std::strcmp(env, "all") == 0)
            return DecodeThreadPolicy::All;
        if (env && std::strcmp(env, "products") == 0)
            return DecodeThreadPolicy::PerProduct;
        return DecodeThreadPolicy::Auto;
    }();
    return policy;
}

DecodeThreadChooser::DecodeThreadChooser(DecodeThreadPolicy policy) : m_policy(policy) {}

void DecodeThreadChooser::setPolicy(DecodeThreadPolicy policy)
{
    m_policy = policy;
    m_threads = 0;
}

DecodeThreadChooser::Step DecodeThreadChooser::next(int threads)
{
    Step s;
    if (threads <= 1 || m_policy == DecodeThreadPolicy::One || m_policy == DecodeThreadPolicy::PerProduct)
        return s;
    if (m_policy == DecodeThreadPolicy::All) {
        s.allThreads = true;
        return s;
    }
    if (threads != m_threads) {
        m_chooser = kernels::SplitChooser(kProbeSteps, kRecheckSteps, kDecisiveRatio, kSwitchMargin,
                                          kAllThreadsMargin);
        m_threads = threads;
    }
    s.choice = m_chooser.next();
    s.allThreads = s.choice.split;
    s.timed = true;
    return s;
}

void DecodeThreadChooser::record(const Step &step, double seconds)
{
    if (step.timed)
        m_chooser.record(step.choice, seconds);
}

DecodeStepScope::DecodeStepScope(bool allThreads)
    : m_policy(allThreads ? kernels::SplitPolicy::Always : kernels::SplitPolicy::Never)
{
    if (!allThreads)
        m_serial.emplace();
}

} // namespace lieq
