// End to end on a generated Qwen3-0.6B-shaped checkpoint (bf16, random weights, the real
// shapes and vocabulary): this project's runtime in fp32 and quantized to 4 bits (RTN g128,
// every layer) and to the paper's 2 + 2/L plan (one 4-bit layer, the rest 2 bits), against
// llama.cpp (npm node-llama-cpp, prebuilt CPU, same threads) on GGUFs of the same layout
// quantized by llama_model_quantize: Q4_K everywhere, and Q2_K with that one layer Q4_K
// (embeddings/head F16 in both, as this project keeps them at 16 bits). Prefill: one batch of
// --prompt tokens; decode: --gen greedy steps. Each model runs in its own process, so the peak
// RSS (VmHWM) is that model's; our children also report how much of the model's files is
// resident in their mapping (smaps Rss) and their anonymous RSS, so the packed weights' memory
// can be told apart from copies. --threads-check runs the quantized models and llama.cpp's Q4_K
// at 1 and 2 threads, as the machine is and with one core kept busy by a spinner pinned to it.
// --rounds N runs only the decode comparisons (4-bit against Q4_K, 2+2/L against Q2_K), N
// rounds interleaved (ours then llama.cpp's, the order flipped every other round), and prints
// each round's ratios and their median: one decode window is short against this host's noise.
//
//   bench_e2e [--layers 28] [--prompt 128] [--gen 32] [--threads N] [--keep] [--threads-check]
//             [--rounds N] [--prepare]
// --prepare writes the models and GGUFs into the scratch folder (LIEQ_BENCH_SCRATCH) and stops,
// so that a later timed run (with --keep) finds them.
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "core/model/compute_threads.h"
#include "core/model/model.h"
#include "core/quant/pipeline_checkpoint.h"
#include "tests/bench/kernels/busy_core.h"
#include "tests/bench/qwen3_shape.h"
#include "tests/kernels/ggml_reference.h"
#include "tests/kernels/rtn_model.h"
#include "tests/support/testutil.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace lieq;
namespace fs = std::filesystem;

namespace {

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string loadAverage()
{
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a + " " + b + " " + c;
}

// A "kB" field of /proc/self/status (VmHWM: peak RSS, RssAnon: anonymous RSS), in bytes.
std::int64_t statusBytes(const char *field)
{
    std::ifstream f("/proc/self/status");
    const std::string key = std::string(field) + ":";
    std::string line;
    while (std::getline(f, line))
        if (line.rfind(key, 0) == 0)
            return std::stoll(line.substr(key.size())) * 1024;
    return 0;
}

// Resident bytes of this process's mappings of files under `dir` (/proc/self/smaps).
std::int64_t mappedRss(const fs::path &dir)
{
    const std::string prefix = fs::canonical(dir).string() + "/";
    std::ifstream f("/proc/self/smaps");
    std::string line;
    bool inside = false;
    std::int64_t bytes = 0;
    while (std::getline(f, line)) {
        if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < 16) {
            const auto slash = line.find('/');
            inside = slash != std::string::npos && line.compare(slash, prefix.size(), prefix) == 0;
        } else if (inside && line.rfind("Rss:", 0) == 0) {
            bytes += std::stoll(line.substr(4)) * 1024;
        }
    }
    return bytes;
}

std::vector<std::int32_t> promptIds(int n)
{
    std::vector<std::int32_t> ids;
    for (int i = 0; i < n; ++i)
        ids.push_back(100 + (i * 7919) % 5000); // the same ids as tests/node/llama_bench.mjs
    return ids;
}

// Child: load one model folder and time prefill and decode; one JSON line on stdout.
int child(const std::string &dir, int prompt, int gen, int threads)
{
    setComputeThreads(threads);
    const double t0 = now();
    auto model = loadAnyModel(dir);
    GenerateOptions warm;
    warm.maxNewTokens = 2;
    warm.stopAtEos = false;
    model->generate(promptIds(8), warm); // first-use conversions and page faults
    const double loadSeconds = now() - t0;
    GenerateOptions o;
    o.maxNewTokens = 1 + gen;
    o.stopAtEos = false;
    std::vector<double> stamps;
    model->generate(promptIds(prompt), o, [&](const Progress &) {
        stamps.push_back(now());
        return true;
    });
    nlohmann::json j{{"prefillTokens", prompt},
                     {"prefillSeconds", stamps.at(1) - stamps.at(0)},
                     {"decodeTokens", gen},
                     {"decodeSeconds", stamps.back() - stamps.at(1)},
                     {"loadSeconds", loadSeconds},
                     {"peakRssBytes", statusBytes("VmHWM")},
                     {"mappedRssBytes", mappedRss(dir)},
                     {"anonRssBytes", statusBytes("RssAnon")},
                     {"threads", computeThreads()}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

nlohmann::json runJson(const std::string &command)
{
    FILE *p = ::popen(command.c_str(), "r");
    if (!p)
        return {};
    std::string out;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p))
        out += buf;
    ::pclose(p);
    const auto brace = out.rfind('{');
    if (brace == std::string::npos)
        return {};
    return nlohmann::json::parse(out.substr(brace), nullptr, false);
}

std::int64_t folderBytes(const fs::path &p)
{
    if (fs::is_regular_file(p))
        return std::int64_t(fs::file_size(p));
    std::int64_t b = 0;
    for (const auto &e : fs::directory_iterator(p))
        if (e.is_regular_file())
            b += std::int64_t(e.file_size());
    return b;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 6 && !std::strcmp(argv[1], "--child"))
        return child(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]));
    int layers = 28, prompt = 128, gen = 32, threads = 0, rounds = 0;
    bool keep = false, threadsCheck = false, prepareOnly = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--layers" && i + 1 < argc)
            layers = std::atoi(argv[++i]);
        else if (a == "--prompt" && i + 1 < argc)
            prompt = std::atoi(argv[++i]);
        else if (a == "--gen" && i + 1 < argc)
            gen = std::atoi(argv[++i]);
        else if (a == "--threads" && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (a == "--keep")
            keep = true;
        else if (a == "--threads-check")
            threadsCheck = true;
        else if (a == "--rounds" && i + 1 < argc)
            rounds = std::atoi(argv[++i]);
        else if (a == "--prepare")
            prepareOnly = keep = true;
        else { // --help, or an option it does not know: usage, and no benchmark started by mistake
            std::fprintf(stderr, "usage: bench_e2e [--layers 28] [--prompt 128] [--gen 32] [--threads N] "
                                 "[--keep] [--threads-check] [--rounds N] [--prepare]\n");
            return a == "--help" ? 0 : 2;
        }
    }
    setComputeThreads(threads);
    threads = computeThreads();
    const char *env = std::getenv("LIEQ_BENCH_SCRATCH");
    const fs::path scratch = fs::path(env ? env : fs::temp_directory_path().string()) / "lieq-bench-e2e";
    fs::create_directories(scratch);
    std::printf("bench_e2e: Qwen3-0.6B shape, %d layers, prompt %d, decode %d, %d threads, load %s\n",
                layers, prompt, gen, threads, loadAverage().c_str());

    const fs::path fp = scratch / "fp", q4 = scratch / "q4", q2 = scratch / "q2mix";
    if (!fs::exists(fp / "config.json")) {
        test::TinyModelSpec spec = bench::qwen3ShapeSpec(bench::Qwen3Shape::B0_6, layers);
        spec.tokenizer = test::TinyTokenizer::ByteLevel; // the GGUF export needs one (padded)
        test::writeTinyCheckpoint(fp.string(), spec);
    }
    std::vector<int> mixed(std::size_t(layers), 2);
    mixed[0] = 4;
    if (!isQuantizedCheckpoint(q4.string()))
        test::writeRtnCheckpoint(fp.string(), q4.string(), std::vector<int>(std::size_t(layers), 4), 128);
    if (!isQuantizedCheckpoint(q2.string()))
        test::writeRtnCheckpoint(fp.string(), q2.string(), mixed, 128);
    const fs::path f16 = scratch / "f16.gguf", q4k = scratch / "q4_K.gguf", q2k = scratch / "q2_K.gguf";
    std::string why;
    if (!fs::exists(f16)) {
        GgufExportOptions o;
        o.type = GgmlType::F16;
        exportGguf(Checkpoint(fp.string()), f16.string(), o);
    }
    if (!fs::exists(q4k))
        why = test::llamaQuantizeGguf(f16.string(), q4k.string(), 12, {}, 1, threads);
    if (why.empty() && !fs::exists(q2k))
        why = test::llamaQuantizeGguf(f16.string(), q2k.string(), 10, {{"blk\\.0\\.", 12}}, 1, threads);
    const std::string node = test::nodeDir();
    if (!why.empty() || node.empty())
        std::printf("llama.cpp rows skipped: %s\n", why.empty() ? "tests/node/node_modules absent" : why.c_str());

    if (prepareOnly) {
        std::printf("models written to %s%s\n", scratch.string().c_str(), why.empty() ? "" : (" (llama.cpp: " + why + ")").c_str());
        return 0;
    }
    struct Row { std::string name; fs::path model; bool llama; nlohmann::json r; int threads; bool busy; };
    std::vector<Row> rows;
    const bool llama = why.empty() && !node.empty();
    if (rounds > 0) {
        if (!llama) {
            std::printf("--rounds needs llama.cpp\n");
            return 1;
        }
        for (int k = 0; k < rounds; ++k) {
            const bool flip = k % 2 == 1;
            for (const auto &[ours, theirs] : {std::pair{q4, q4k}, std::pair{q2, q2k}}) {
                Row a{"lieq " + ours.filename().string(), ours, false, {}, threads, false};
                Row b{"llama.cpp " + theirs.filename().string(), theirs, true, {}, threads, false};
                rows.push_back(flip ? b : a);
                rows.push_back(flip ? a : b);
            }
        }
    } else if (!threadsCheck) {
        rows = {{"lieq fp32 (bf16 file)", fp, false, {}, threads, false},
                {"lieq 4-bit g128", q4, false, {}, threads, false},
                {"lieq 2+2/L (1x4-bit)", q2, false, {}, threads, false}};
        if (llama) {
            rows.push_back({"llama.cpp F16", f16, true, {}, threads, false});
            rows.push_back({"llama.cpp Q4_K", q4k, true, {}, threads, false});
            rows.push_back({"llama.cpp Q2_K (1x Q4_K)", q2k, true, {}, threads, false});
        }
    } else {
        for (const bool busy : {false, true})
            for (const int t : {1, 2}) {
                rows.push_back({"lieq 4-bit g128", q4, false, {}, t, busy});
                rows.push_back({"lieq 2+2/L (1x4-bit)", q2, false, {}, t, busy});
                if (llama)
                    rows.push_back({"llama.cpp Q4_K", q4k, true, {}, t, busy});
            }
    }
    const std::string self = fs::canonical("/proc/self/exe").string();
    for (Row &r : rows) {
        const std::string args = " " + std::to_string(prompt) + " " + std::to_string(gen) + " " +
                                 std::to_string(r.threads);
        const std::string cmd = r.llama ? "cd '" + node + "' && node llama_bench.mjs '" + r.model.string() + "'" + args
                                        : "'" + self + "' --child '" + r.model.string() + "'" + args;
        std::unique_ptr<bench::BusyCore> spinner;
        if (r.busy)
            spinner = std::make_unique<bench::BusyCore>();
        const std::string before = loadAverage();
        r.r = runJson(cmd + " 2>/dev/null");
        std::printf("  ran %-26s %d thread(s)%s load before %s, after %s\n", r.name.c_str(), r.threads,
                    r.busy ? ", busy cpu" : "", before.c_str(), loadAverage().c_str());
        std::fflush(stdout);
    }
    auto rate = [](const nlohmann::json &j, const char *tokens, const char *seconds) {
        return j.is_object() && j.contains(seconds) ? j[tokens].get<double>() / j[seconds].get<double>() : 0.0;
    };
    auto mb = [](const nlohmann::json &j, const char *key) {
        return j.is_object() ? j.value(key, 0.0) / 1e6 : 0.0;
    };
    if (rounds > 0) {
        // Per round and pair: decode tok/s of ours and llama.cpp's, and their ratio.
        std::vector<double> ratios[2];
        std::printf("\n%-6s %-22s %12s %12s %8s\n", "round", "pair", "ours tok/s", "llama tok/s", "ratio");
        for (std::size_t i = 0; i + 1 < rows.size(); i += 2) {
            const Row &ours = rows[i].llama ? rows[i + 1] : rows[i];
            const Row &theirs = rows[i].llama ? rows[i] : rows[i + 1];
            const double o = rate(ours.r, "decodeTokens", "decodeSeconds");
            const double t = rate(theirs.r, "decodeTokens", "decodeSeconds");
            const int pair = int(i / 2 % 2);
            ratios[pair].push_back(t > 0 ? o / t : 0.0);
            std::printf("%-6d %-22s %12.2f %12.2f %7.2fx\n", int(i / 4) + 1,
                        pair == 0 ? "4-bit vs Q4_K" : "2+2/L vs Q2_K", o, t, ratios[pair].back());
        }
        for (int pair : {0, 1}) {
            std::vector<double> v = ratios[pair];
            std::sort(v.begin(), v.end());
            const double median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
            std::printf("median decode ratio %s: %.2fx over %zu rounds\n",
                        pair == 0 ? "4-bit vs Q4_K" : "2+2/L vs Q2_K", median, v.size());
        }
        std::printf("load at the end: %s\n", loadAverage().c_str());
        if (!keep)
            fs::remove_all(scratch);
        return 0;
    }
    if (threadsCheck) {
        std::printf("\n%-26s %7s %5s %10s %12s %10s\n", "model", "threads", "busy", "prefill/s",
                    "decode tok/s", "vs 1 thread");
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const Row &r = rows[i];
            double one = 0;
            for (const Row &o : rows)
                if (o.model == r.model && o.busy == r.busy && o.threads == 1)
                    one = rate(o.r, "decodeTokens", "decodeSeconds");
            const double d = rate(r.r, "decodeTokens", "decodeSeconds");
            std::printf("%-26s %7d %5s %10.1f %12.2f %9.2fx\n", r.name.c_str(), r.threads,
                        r.busy ? "cpu" : "no", rate(r.r, "prefillTokens", "prefillSeconds"), d,
                        one > 0 ? d / one : 0.0);
        }
        std::printf("load at the end: %s\n", loadAverage().c_str());
        if (!keep)
            fs::remove_all(scratch);
        return 0;
    }
    const double fpPrefill = rate(rows[0].r, "prefillTokens", "prefillSeconds");
    std::printf("\n%-26s %8s %10s %12s %9s %9s %8s %12s\n", "model", "file MB", "prefill/s",
                "decode tok/s", "peak MB", "mapped MB", "anon MB", "prefill/fp32");
    for (const Row &r : rows)
        std::printf("%-26s %8.0f %10.1f %12.2f %9.0f %9.0f %8.0f %11.2fx\n", r.name.c_str(),
                    double(folderBytes(r.model)) / 1e6, rate(r.r, "prefillTokens", "prefillSeconds"),
                    rate(r.r, "decodeTokens", "decodeSeconds"), mb(r.r, "peakRssBytes"),
                    mb(r.r, "mappedRssBytes"), mb(r.r, "anonRssBytes"),
                    rate(r.r, "prefillTokens", "prefillSeconds") / fpPrefill);
    std::printf("(mapped MB: resident pages of the model's own files; anon MB: other memory, at the end)\n");
    if (rows.size() == 6)
        for (int i : {1, 2})
            std::printf("decode %s vs %s: %.2fx\n", rows[i].name.c_str(), rows[i + 3].name.c_str(),
                        rate(rows[i].r, "decodeTokens", "decodeSeconds") /
                            rate(rows[i + 3].r, "decodeTokens", "decodeSeconds"));
    std::printf("load at the end: %s\n", loadAverage().c_str());
    if (!keep)
        fs::remove_all(scratch);
    return 0;
}
