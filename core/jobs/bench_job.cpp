#include "core/jobs/bench_job.h"

#include "core/jobs/loaded_model.h"
#include "core/jobs/model_job.h"
#include "core/model/compute_threads.h"
#include "core/model/model.h"
#include "core/quant/gguf_linears.h"
#include "core/util/error.h"
#include "kernels/cpu_features.h"
#include "kernels/gemv_bench.h"

#include <algorithm>
#include <chrono>
#include <fstream>

namespace lieq::jobs {

namespace {

struct BenchShape
{
    const char *name;
    std::int64_t rows, cols;
};

// 7B-class shapes, then every projection of Qwen3-0.6B (rows = out, cols = in).
const std::vector<BenchShape> kShapes{
    {"4096x4096", 4096, 4096}, {"11008x4096 (up)", 11008, 4096}, {"4096x11008 (down)", 4096, 11008},
    {"0.6B q 2048x1024", 2048, 1024}, {"0.6B k/v 1024x1024", 1024, 1024},
    {"0.6B o 1024x2048", 1024, 2048}, {"0.6B gate/up 3072x1024", 3072, 1024},
    {"0.6B down 1024x3072", 1024, 3072}};

double now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::int64_t peakRss()
{
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stoll(line.substr(6)) * 1024;
    return 0;
}

std::vector<std::int32_t> benchPrompt(int n, std::int64_t vocab)
{
    std::vector<std::int32_t> ids;
    for (int i = 0; i < n; ++i)
        ids.push_back(std::int32_t((100 + (std::int64_t(i) * 7919) % 5000) % vocab));
    return ids;
}

} // namespace

std::string loadAverage()
{
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    if (!(f >> a >> b >> c))
        return {};
    return a + " " + b + " " + c;
}

KernelBenchReport runKernelBench(const KernelBenchRequest &request, const JobContext &context)
{
    context.applyThreads();
    std::vector<kernels::QuantType> types;
    for (const std::string &name : request.types) {
        const auto t = kernels::typeFromName(name);
        if (!t || std::find(kernels::benchTypes().begin(), kernels::benchTypes().end(), *t) ==
                      kernels::benchTypes().end())
            throw Error("bench: unknown weight type \"" + name + "\" (known: gptq2, gptq3, gptq4, "
                        "gptq8, q2_K, q3_K, q4_K, q6_K, q4_0, q8_0, f16, bf16, f32)");
        types.push_back(*t);
    }
    if (types.empty())
        types = kernels::benchTypes();
    if (std::find(types.begin(), types.end(), kernels::QuantType::F32) == types.end())
        types.push_back(kernels::QuantType::F32); // the baseline
    KernelBenchReport r;
    r.threads = computeThreads();
    r.backend = kernels::backendName(kernels::defaultBackend());
    r.loadBefore = loadAverage();
    context.report("memory bandwidth", 0, 1);
    r.readBandwidth = kernels::measureReadBandwidth();
    const std::size_t shapes = request.quick ? 1 : kShapes.size();
    const double seconds = request.quick ? 0.1 : 0.3;
    for (std::size_t s = 0; s < shapes; ++s) {
        const BenchShape &shape = kShapes[s];
        std::vector<KernelBenchRow> rows;
        double f32 = 0;
        for (std::size_t i = 0; i < types.size(); ++i) {
            context.report("GEMV " + std::string(shape.name), std::int64_t(s * types.size() + i),
                           std::int64_t(shapes * types.size()), kernels::typeTraits(types[i]).name);
            const auto g = kernels::benchGemv(types[i], shape.rows, shape.cols, seconds);
            KernelBenchRow row{shape.name, shape.rows, shape.cols, kernels::typeTraits(types[i]).name,
                               g.seconds, double(g.weightBytes) / g.seconds, 0, 0};
            row.ofBandwidth = row.bytesPerSecond / r.readBandwidth;
            if (types[i] == kernels::QuantType::F32)
                f32 = g.seconds;
            rows.push_back(row);
        }
        for (KernelBenchRow &row : rows)
            row.speedupOverF32 = f32 / row.seconds;
        r.rows.insert(r.rows.end(), rows.begin(), rows.end());
    }
    // The bandwidth again after the table: other processes only ever lower it, so the higher of
    // the two is the better estimate of the ceiling.
    r.readBandwidth = std::max(r.readBandwidth, kernels::measureReadBandwidth());
    for (KernelBenchRow &row : r.rows)
        row.ofBandwidth = row.bytesPerSecond / r.readBandwidth;
    r.loadAfter = loadAverage();
    return r;
}

ModelBenchReport runModelBench(const ModelBenchRequest &request, const JobContext &context)
{
    context.applyThreads();
    if (request.promptTokens < 1 || request.genTokens < 1)
        throw Error("bench: --prompt and --gen need at least one token");
    ModelBenchReport r;
    r.threads = computeThreads();
    r.loadBefore = loadAverage();
    const ModelTarget target = resolveModelTarget(request.target, context.store.path);
    r.modelDir = target.dir;
    const double t0 = now();
    std::unique_ptr<Model> model = loadModel(target.dir, context);
    if (!request.gguf.empty()) {
        context.report("loading GGUF linears", 0, 1, request.gguf);
        useGgufLinears(*model, request.gguf);
    }
    r.linears = !request.gguf.empty() ? "GGUF linears (" + request.gguf + ")"
                : target.quantized        ? "packed (quantized checkpoint)"
                : model->isResident()     ? "fp32 (resident)"
                                          : "fp32 (streamed)";
    const std::int64_t vocab = model->config().vocabSize;
    GenerateOptions warm;
    warm.maxNewTokens = 2;
    warm.stopAtEos = false;
    model->generate(benchPrompt(8, vocab), warm); // first-use conversions, page faults
    r.loadSeconds = now() - t0;
    GenerateOptions o;
    o.maxNewTokens = 1 + request.genTokens;
    o.stopAtEos = false;
    std::vector<double> stamps;
    model->generate(benchPrompt(request.promptTokens, vocab), o, [&](const Progress &p) {
        stamps.push_back(now());
        context.report("bench decode", p.done, p.total);
        return true;
    });
    const double end = now();
    r.prefillTokensPerSecond = request.promptTokens / (stamps.at(1) - stamps.at(0));
    r.decodeTokensPerSecond = request.genTokens / (end - stamps.at(1));
    r.peakRssBytes = peakRss();
    r.loadAfter = loadAverage();
    return r;
}

} // namespace lieq::jobs
