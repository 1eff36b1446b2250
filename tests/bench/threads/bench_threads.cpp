// Thread scaling of every long operation (issue 10): tokens/s at 1..N threads for perplexity,
// generation, analysis, RTN/GPTQ/AWQ quantization and zero-shot scoring, with the engine's
// thread policy (its own pool; libtorch and OpenBLAS at one thread) and, as the baseline
// measured in the same run, the policy before it (LIEQ_THREAD_POLICY=library: libtorch's OpenMP
// and OpenBLAS at N threads with their default waiting), on an idle machine and with one core
// kept busy by a spinning process. Every figure comes from a fresh child process (the libraries
// read their settings at start), best of --reps timed runs after a warm-up. The machine load
// (/proc/loadavg) is printed beside every row. Prints figures; never fails on timings.
//
// A "machine" row before and after the operations measures the machine's own parallel capacity
// at that moment (independent floating-point loops, one per thread): on a shared or virtual
// machine two threads do not always get two cores, and the operations' speed-ups are to be read
// against it.
//
// "decode" (not in the default list; meant for --model DIR, a quantized checkpoint folder too)
// times decode steps on one thread and on all, alternating step by step in the same run, beside
// the default timed choice (core/model/decode_threads.h), whose rate is the row's.
//
//   bench_threads [--ops machine,ppl,generate,analyze,rtn,gptq,awq,eval,machine] [--max-threads N]
//                 [--policies pool,library] [--busy 0,1] [--layers 8] [--reps 2] [--rounds 1] [--small]
//                 [--model DIR]   (a generated model kept in DIR, or any HF folder there)
//
// The model is the one issue 10 measured: an 8-layer Qwen3 of Qwen3-0.6B width (hidden 1024,
// FFN 3072, 16/8 heads of 128, vocabulary 4096, random bf16 weights); --small uses the demo
// model's width (hidden 192) instead, where per-operation overheads dominate.
#include "tests/bench/threads/thread_bench_ops.h"

#include "tests/bench/runtime/bench_common.h"
#include "tests/support/tiny_checkpoint.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

using namespace lieq;

namespace {

std::vector<std::string> split(const std::string &s)
{
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty())
            out.push_back(item);
    return out;
}

std::string loadavg()
{
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

// Runs `args` as a child with `env` added to (or replacing entries of) this environment;
// returns its stdout.
std::string runChild(const std::vector<std::string> &args, const std::map<std::string, std::string> &env)
{
    std::vector<std::string> envStrings;
    for (char **e = environ; *e; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('='));
        if (!env.count(name) && name != "LIEQ_THREAD_ENV" && name != "LIEQ_THREAD_POLICY" &&
            name.rfind("OMP_", 0) != 0 && name.rfind("GOMP_", 0) != 0 &&
            name != "OPENBLAS_NUM_THREADS" && name != "MKL_NUM_THREADS")
            envStrings.push_back(entry);
    }
    for (const auto &[k, v] : env)
        envStrings.push_back(k + "=" + v);
    std::vector<char *> argv, envp;
    for (const std::string &a : args)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    for (const std::string &e : envStrings)
        envp.push_back(const_cast<char *>(e.c_str()));
    envp.push_back(nullptr);

    int pipeFd[2];
    if (::pipe(pipeFd) != 0)
        return {};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFd[1], 1);
    posix_spawn_file_actions_addclose(&actions, pipeFd[0]);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipeFd[1]);
    std::string out;
    if (rc == 0) {
        char buf[4096];
        for (ssize_t n; (n = ::read(pipeFd[0], buf, sizeof buf)) > 0;)
            out.append(buf, std::size_t(n));
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
    ::close(pipeFd[0]);
    return out;
}

// A process that keeps one core busy (plain integer work, normal priority) until killed.
pid_t startSpinner(const std::string &self)
{
    char *argv[] = {const_cast<char *>(self.c_str()), const_cast<char *>("--spin"), nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, environ) != 0)
        return -1;
    return pid;
}

void stopSpinner(pid_t pid)
{
    if (pid <= 0)
        return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

struct Row
{
    double rate = 0;
    double seconds = 0;
    std::string unit;
};

Row parseResult(const std::string &out)
{
    Row r;
    const std::size_t at = out.rfind("RESULT ");
    if (at == std::string::npos)
        return r;
    std::istringstream in(out.substr(at + 7));
    in >> r.rate >> r.seconds >> r.unit;
    return r;
}

} // namespace

int main(int argc, char **argv)
{
    std::map<std::string, std::string> opt = {
        {"ops", "machine,ppl,generate,analyze,rtn,gptq,awq,eval,machine"},
        {"policies", "pool,library"},
        {"busy", "0,1"},
        {"layers", "8"},
        {"reps", "2"},
        {"rounds", "1"},
        {"max-threads", std::to_string(std::max(1u, std::thread::hardware_concurrency()))},
    };
    bool small = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--spin") {
            volatile unsigned long x = 0;
            for (;;)
                x = x * 2862933555777941757ul + 3037000493ul;
        }
        if (a == "--small") {
            small = true;
            continue;
        }
        static const std::set<std::string> known = {"ops",   "policies", "busy",  "layers", "reps", "rounds",
                                                    "max-threads", "model", "child", "op", "threads"};
        if (a.rfind("--", 0) == 0 && known.count(a.substr(2)) && i + 1 < argc) {
            opt[a.substr(2)] = argv[++i];
            continue;
        }
        // --help, or an option it does not know: usage, and no benchmark started by mistake.
        std::fprintf(stderr, "usage: bench_threads [--ops machine,ppl,generate,analyze,rtn,gptq,awq,eval,decode] "
                             "[--max-threads N] [--policies pool,library] [--busy 0,1] [--layers 8] [--reps 2] "
                             "[--rounds 1] [--small] [--model DIR]\n"
                             "  --rounds R: R interleaved rounds of 1..N threads (alternating order), "
                             "then the median and range of N threads / 1 thread\n"
                             "  threads used at the default (all cores): ppl, analyze, GPTQ, AWQ, RTN and eval split "
                             "over all threads; generate/decode time one thread against all and keep the faster\n");
        return a == "--help" ? 0 : 2;
    }
    if (opt.count("child"))
        return bench::runThreadBenchChild(opt["model"], opt["op"], std::stoi(opt["threads"]),
                                          std::stoi(opt["reps"]));

    bench::ScratchDir scratch("lieq-bench-threads");
    test::TinyModelSpec spec;
    spec.arch = "qwen3";
    spec.dtype = DType::BF16;
    spec.vocabSize = 4096;
    spec.hidden = small ? 192 : 1024;
    spec.intermediate = small ? 512 : 3072;
    spec.heads = small ? 6 : 16;
    spec.kvHeads = small ? 2 : 8;
    spec.headDim = small ? 32 : 128;
    spec.layers = std::stoll(opt["layers"]);
    spec.maxPositions = 2048;
    spec.weightScale = 1.0;
    // --model DIR reuses a folder (written there first when it has no config.json).
    const std::string modelDir = opt.count("model") ? opt["model"] : (scratch.path / "model").string();
    const std::string model = std::filesystem::exists(modelDir + "/config.json")
                                  ? modelDir
                                  : test::writeTinyCheckpoint(modelDir, spec);
    if (opt.count("model"))
        std::printf("model: %s\n", model.c_str());
    else
        std::printf("model: qwen3, %lld layers, hidden %lld, FFN %lld, %lld/%lld heads of %lld, "
                "vocabulary %lld, bf16 (generated)\n",
                static_cast<long long>(spec.layers), static_cast<long long>(spec.hidden),
                static_cast<long long>(spec.intermediate), static_cast<long long>(spec.heads),
                static_cast<long long>(spec.kvHeads), static_cast<long long>(spec.headDim),
                static_cast<long long>(spec.vocabSize));
    std::printf("machine: %u hardware threads; load %s at start\n\n",
                std::thread::hardware_concurrency(), loadavg().c_str());
    std::printf("%-9s %-8s %-5s %7s %12s %9s %10s %5s   %s\n", "op", "policy", "busy", "threads",
                "rate", "seconds", "x 1 thread", "round", "load (1/5/15 min)");

    const std::string self = "/proc/self/exe";
    const int maxThreads = std::stoi(opt["max-threads"]);
    const int rounds = std::max(1, std::stoi(opt["rounds"]));
    // The median and range of each thread count's rate over one thread's in the same round.
    const auto summary = [](const std::vector<double> &ratios) {
        std::vector<double> v = ratios;
        std::sort(v.begin(), v.end());
        const std::size_t n = v.size();
        const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        char buf[96];
        std::snprintf(buf, sizeof buf, "median %.2f (range %.2f-%.2f, %zu rounds)", median,
                      v.front(), v.back(), n);
        return std::string(buf);
    };
    for (const std::string &op : split(opt["ops"])) {
        for (const std::string &busyFlag : split(opt["busy"])) {
            const bool busy = busyFlag == "1";
            for (const std::string &policy : split(opt["policies"])) {
                if (op == "machine" && policy != split(opt["policies"]).front())
                    continue; // no library involved: one policy is enough
                std::map<int, std::vector<double>> ratios; // thread count -> rate / 1 thread's
                for (int round = 0; round < rounds; ++round) {
                    // Rounds alternate the order (1..N, then N..1) so that a drift of the
                    // machine's load does not favour one thread count.
                    std::map<int, Row> rows;
                    for (int i = 0; i < maxThreads; ++i) {
                        const int t = round % 2 ? maxThreads - i : i + 1;
                        std::map<std::string, std::string> env;
                        if (policy == "library") {
                            env["LIEQ_THREAD_POLICY"] = "library";
                        } else {
                            // What ensureThreadEnvironment gives the CLI and the GUI.
                            env = {{"OMP_NUM_THREADS", "1"},      {"OMP_WAIT_POLICY", "PASSIVE"},
                                   {"GOMP_SPINCOUNT", "0"},       {"OPENBLAS_NUM_THREADS", "1"},
                                   {"MKL_NUM_THREADS", "1"}};
                        }
                        const pid_t spinner = busy ? startSpinner(self) : -1;
                        const std::string out = runChild(
                            {self, "--child", "1", "--model", model, "--op", op, "--threads",
                             std::to_string(t), "--reps", opt["reps"]},
                            env);
                        stopSpinner(spinner);
                        const Row r = parseResult(out);
                        rows[t] = r;
                        const double base = rows.count(1) ? rows[1].rate : 0.0;
                        char ratio[32] = "-"; // not yet known when N..1 runs N first
                        if (base > 0)
                            std::snprintf(ratio, sizeof ratio, "%.2f", r.rate / base);
                        std::printf("%-9s %-8s %-5s %7d %12.1f %9.2f %10s %5d   %s\n", op.c_str(),
                                    policy.c_str(), busy ? "yes" : "no", t, r.rate, r.seconds,
                                    ratio, round + 1, loadavg().c_str());
                        if (r.unit.empty())
                            std::printf("  (child failed: %s)\n", out.c_str());
                        const std::size_t phases = out.find("PHASES ");
                        if (phases != std::string::npos) // seconds of the best run's phases
                            std::printf("  phases (s):%s\n",
                                        out.substr(phases + 6, out.find('\n', phases) - phases - 6).c_str());
                        const std::size_t steps = out.find("STEPS ");
                        if (steps != std::string::npos && t > 1) // decode: both ways, same run
                            std::printf("  steps alternating in the same run, tokens/s: %s\n",
                                        out.substr(steps + 6, out.find('\n', steps) - steps - 6).c_str());
                        std::fflush(stdout);
                    }
                    for (const auto &[t, r] : rows)
                        if (t > 1 && rows[1].rate > 0 && r.rate > 0)
                            ratios[t].push_back(r.rate / rows[1].rate);
                }
                if (rounds > 1)
                    for (const auto &[t, v] : ratios)
                        if (!v.empty())
                            std::printf("  %s %s busy %s: %d threads / 1 thread: %s\n", op.c_str(),
                                        policy.c_str(), busy ? "yes" : "no", t, summary(v).c_str());
            }
        }
    }
    std::printf("\nrate units: ppl/analyze/eval/gptq/awq tokens/s, generate new tokens/s, "
                "rtn weights/s (millions), machine Gflop/s of independent loops\n");
    return 0;
}
