// `lieq bench kernels [--quick] [--types LIST]`: GEMV of every weight type against this
// machine's memory read bandwidth and the f32 GEMV, measured in the same run.
// `lieq bench MODEL|QUANT_DIR|QUANT_RUN [--gguf FILE] [--prompt N] [--gen N]`: prefill and
// decode tokens/s and peak RSS of one model, e.g. the checkpoint of your own bit plan.
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/jobs/bench_job.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace {

using lieq::cli::Args;

int runKernels(const Args &args, bool json)
{
    lieq::jobs::KernelBenchRequest req;
    req.quick = args.has("quick");
    if (args.has("types")) {
        std::stringstream list(args.value("types"));
        for (std::string t; std::getline(list, t, ',');)
            if (!t.empty())
                req.types.push_back(t);
    }
    lieq::cli::TerminalProgress bar(!args.common().quiet && !json);
    const lieq::jobs::KernelBenchReport r = lieq::jobs::runKernelBench(req, args.jobContext(bar));
    bar.finish();
    if (json) {
        nlohmann::json j{{"read_bandwidth_gbps", r.readBandwidth / 1e9}, {"threads", r.threads},
                         {"backend", r.backend}, {"load_before", r.loadBefore},
                         {"load_after", r.loadAfter}, {"rows", nlohmann::json::array()}};
        for (const auto &row : r.rows)
            j["rows"].push_back({{"shape", row.shape}, {"rows", row.rows}, {"cols", row.cols},
                                 {"type", row.type}, {"ms", row.seconds * 1e3},
                                 {"gbps", row.bytesPerSecond / 1e9}, {"of_bandwidth", row.ofBandwidth},
                                 {"speedup_over_f32", row.speedupOverF32}});
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("GEMV, %d threads, %s kernels; memory read bandwidth %.1f GB/s; load %s\n",
                r.threads, r.backend.c_str(), r.readBandwidth / 1e9, r.loadBefore.c_str());
    std::string shape;
    for (const auto &row : r.rows) {
        if (row.shape != shape) {
            shape = row.shape;
            std::printf("\n%s\n  %-6s %9s %9s %9s %9s\n", shape.c_str(), "type", "ms", "GB/s",
                        "% of BW", "x f32");
        }
        std::printf("  %-6s %9.3f %9.1f %8.0f%% %8.1fx\n", row.type.c_str(), row.seconds * 1e3,
                    row.bytesPerSecond / 1e9, 100 * row.ofBandwidth, row.speedupOverF32);
    }
    std::printf("\nload at the end: %s\n", r.loadAfter.c_str());
    return 0;
}

int run(const Args &args)
{
    const bool json = args.common().json;
    const std::string target = args.positional(0, "kernels|MODEL_DIR|QUANT_DIR|QUANT_RUN");
    if (target == "kernels")
        return runKernels(args, json);
    lieq::jobs::ModelBenchRequest req;
    req.target = target;
    req.gguf = args.value("gguf");
    req.promptTokens = static_cast<int>(args.intValue("prompt", req.promptTokens));
    req.genTokens = static_cast<int>(args.intValue("gen", req.genTokens));
    lieq::cli::TerminalProgress bar(!args.common().quiet && !json);
    const lieq::jobs::ModelBenchReport r = lieq::jobs::runModelBench(req, args.jobContext(bar));
    bar.finish();
    if (json) {
        nlohmann::json j{{"model", r.modelDir}, {"linears", r.linears}, {"threads", r.threads},
                         {"load_seconds", r.loadSeconds},
                         {"prefill_tokens", req.promptTokens},
                         {"prefill_tokens_per_second", r.prefillTokensPerSecond},
                         {"decode_tokens", req.genTokens},
                         {"decode_tokens_per_second", r.decodeTokensPerSecond},
                         {"peak_rss_bytes", r.peakRssBytes}, {"load_before", r.loadBefore},
                         {"load_after", r.loadAfter}};
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("%s\n  linears: %s, %d threads\n  load + warm-up %.2f s\n"
                "  prefill %d tokens: %.1f tokens/s\n  decode %d tokens: %.2f tokens/s\n"
                "  peak RSS %.0f MB\n  load average before %s, after %s\n",
                r.modelDir.c_str(), r.linears.c_str(), r.threads, r.loadSeconds, req.promptTokens,
                r.prefillTokensPerSecond, req.genTokens, r.decodeTokensPerSecond,
                double(r.peakRssBytes) / 1e6, r.loadBefore.c_str(), r.loadAfter.c_str());
    return 0;
}

const lieq::cli::CommandRegistration registration(run, R"(
lieq bench kernels|MODEL_DIR|QUANT_DIR|QUANT_RUN
speed on this machine: kernel GEMV table, or prefill/decode of a model
--quick             kernels: one shape (4096x4096), shorter timings
--types LIST        kernels: comma-separated types (gptq2,gptq4,q4_K,...); default all
--prompt N          model: prefill tokens in one batch (default 128)
--gen N             model: greedy decode steps (default 32)
--gguf FILE         model: run this GGUF's decoder linears (any K-quant) on MODEL_DIR, the
                    model it was exported from
)",
    {},
    "\nFigures depend on what else runs: each report prints the load average. Compare models\n"
    "with the same --threads. The kernel table's fraction of bandwidth is packed weight bytes\n"
    "per second over the read bandwidth measured in the same run.\n");

} // namespace
