#include "tests/bench/threads/thread_bench_ops.h"

#include "core/analysis/diagnostics_runner.h"
#include "core/data/calibration.h"
#include "core/data/token_windows.h"
#include "core/eval/perplexity.h"
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/quant/pipeline.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/quant/gptq_impl.h"
#include "core/model/parallel_ops_impl.h"
#include "core/tasks/loglikelihood_scorer.h"
#include "core/tokenizer/tokenizer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace lieq::bench {

namespace {

double seconds(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<std::int32_t> randomIds(std::size_t n, std::int64_t vocab, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int32_t> d(0, static_cast<std::int32_t>(vocab - 1));
    std::vector<std::int32_t> ids(n);
    for (auto &v : ids)
        v = d(rng);
    return ids;
}

struct Measure
{
    std::function<double()> run; // one timed run; returns the units processed
    std::string unit;
    double unitScale = 1;        // rate divisor (weights in millions)
};

// The phases of the last run (seconds), printed for the best run as "PHASES name s ...".
std::string g_phases;

std::string phase(const char *name, double seconds)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, " %s %.3f", name, seconds);
    return buf;
}

CalibrationSet calibration(std::int64_t vocab)
{
    CalibrationSpec spec;
    spec.samples = 4;
    spec.seqlen = 128;
    return sampleCalibrationTokens(randomIds(8192, vocab, 7), spec);
}

Measure quantize(const std::string &dir, QuantMethod method, std::unique_ptr<Model> &model)
{
    Measure m;
    m.unit = method == QuantMethod::Rtn ? "Mweights/s" : "tokens/s";
    m.unitScale = method == QuantMethod::Rtn ? 1e6 : 1;
    m.run = [dir, method, &model] {
        model = Model::load(dir); // quantization replaces the linears: a fresh model each run
        const CalibrationSet cal = calibration(model->config().vocabSize);
        PipelineSettings s;
        s.method = method;
        const PipelineResult r = quantizeModel(*model, uniformPlan(*model, 4), cal, s);
        g_phases = phase("capture", r.captureSeconds) + phase("quantize", r.quantizeSeconds) +
                   phase("forward", r.forwardSeconds) + phase("total", r.totalSeconds);
        return method == QuantMethod::Rtn ? double(r.quantizedParams)
                                          : double(cal.samples * cal.seqlen);
    };
    return m;
}

} // namespace

int runThreadBenchChild(const std::string &modelDir, const std::string &op, int threads, int reps)
{
    try {
        setComputeThreads(threads);
        std::unique_ptr<Model> model = Model::load(modelDir);
        const std::int64_t vocab = model->config().vocabSize;
        Measure m;
        if (op == "ppl") {
            const TokenWindows windows = TokenWindows::fromTokens(randomIds(8 * 128, vocab, 1), 128);
            m = {[&model, windows] {
                     return double(evaluatePerplexity(*model, windows).tokens + windows.count);
                 },
                 "tokens/s"};
        } else if (op == "decode") {
            // Decode steps on one thread and on all, alternating step by step in one run (set
            // before each step from the progress callback), so that load changes hit both ways
            // alike: the one-thread and all-thread step rates, and the default (timed) choice's.
            model = loadAnyModel(modelDir); // quantized checkpoint folders too
            const std::vector<std::int32_t> prompt = randomIds(16, model->config().vocabSize, 2);
            const auto stepRates = [&model, prompt](bool alternate, double &oneRate, double &allRate) {
                GenerateOptions g;
                g.maxNewTokens = 65;
                g.stopAtEos = false;
                DecodeThreadChooser &chooser = model->decoder().decodeThreads();
                double seconds[2] = {0, 0}, last = 0;
                int steps[2] = {0, 0};
                std::int64_t step = -1;
                const auto t0 = std::chrono::steady_clock::now();
                model->generate(prompt, g, [&](const Progress &p) {
                    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    if (step >= 1) { // step 0 is the prompt
                        seconds[step % 2] += t - last;
                        ++steps[step % 2];
                    }
                    step = p.done;
                    last = t;
                    if (alternate)
                        chooser.setPolicy(step % 2 ? DecodeThreadPolicy::All : DecodeThreadPolicy::One);
                    return true;
                });
                chooser.setPolicy(DecodeThreadPolicy::Auto);
                oneRate = steps[0] / seconds[0];
                allRate = steps[1] / seconds[1];
                return double(steps[0] + steps[1]) / (seconds[0] + seconds[1]);
            };
            double oneRate = 0, allRate = 0, unused = 0;
            stepRates(true, oneRate, allRate); // warm-up
            double bestOne = 0, bestAll = 0, bestAuto = 0;
            for (int r = 0; r < std::max(1, reps); ++r) {
                stepRates(true, oneRate, allRate);
                bestOne = std::max(bestOne, oneRate);
                bestAll = std::max(bestAll, allRate);
                bestAuto = std::max(bestAuto, stepRates(false, unused, unused));
            }
            std::printf("STEPS one %.2f all %.2f\n", bestOne, bestAll);
            std::printf("RESULT %.3f %.4f tokens/s\n", bestAuto, 64 / bestAuto);
            return 0;
        } else if (op == "generate") {
            const std::vector<std::int32_t> prompt = randomIds(8, vocab, 2);
            m = {[&model, prompt] {
                     GenerateOptions g;
                     g.maxNewTokens = 64;
                     g.stopAtEos = false;
                     return double(model->generate(prompt, g).tokens.size());
                 },
                 "tokens/s"};
        } else if (op == "analyze") {
            const CalibrationSet cal = calibration(vocab);
            m = {[&model, cal] {
                     const analysis::DiagnosticsResult r =
                         analysis::runDiagnostics(*model, cal, analysis::DiagnosticsSettings{});
                     g_phases = phase("baseline", r.timings.baselineSeconds) +
                                phase("spectral", r.timings.spectralSeconds) +
                                phase("dppl", r.timings.dpplSeconds) +
                                phase("total", r.timings.totalSeconds);
                     return double(cal.samples * cal.seqlen);
                 },
                 "tokens/s"};
        } else if (op == "gptq-parts") {
            // GPTQ's parts on the seven module shapes of one layer of this model, from random
            // inputs (512 tokens, as the pipeline's calibration) and weights: the Hessian, the
            // inverse factor alone, the whole of gptqQuantize (factor included) and the
            // pipeline's output error products (W H and its dot with W). Rate: modules/s.
            const ModelConfig &c = model->config();
            const std::int64_t q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
            const std::vector<std::pair<std::int64_t, std::int64_t>> shapes = {
                {q, c.hiddenSize},           {kv, c.hiddenSize},          {kv, c.hiddenSize},
                {c.hiddenSize, q},           {c.intermediateSize, c.hiddenSize},
                {c.intermediateSize, c.hiddenSize}, {c.hiddenSize, c.intermediateSize}};
            torch::manual_seed(5);
            std::vector<torch::Tensor> xs, ws;
            for (const auto &[rows, cols] : shapes) {
                xs.push_back(torch::randn({4, 128, cols}));
                ws.push_back(torch::randn({rows, cols}) * 0.02);
            }
            m = {[shapes, xs, ws] {
                     torch::NoGradGuard noGrad;
                     double hs = 0, fs = 0, gs = 0, es = 0;
                     for (std::size_t i = 0; i < shapes.size(); ++i) {
                         auto t = std::chrono::steady_clock::now();
                         GptqHessian h(shapes[i].second);
                         h.addBatch(xs[i]);
                         hs += seconds(t);
                         t = std::chrono::steady_clock::now();
                         torch::Tensor hd = h.matrix().clone();
                         hd.diagonal().add_(0.01 * hd.diagonal().mean().item<double>());
                         if (!gptqInverseFactor(hd))
                             throw std::runtime_error("gptq-parts: no factor");
                         fs += seconds(t);
                         t = std::chrono::steady_clock::now();
                         gptqQuantize(ws[i], h.matrix(), h.samples(), GptqOptions{});
                         gs += seconds(t);
                         t = std::chrono::steady_clock::now();
                         parallelDotSum(parallelLinear(ws[i], h.matrix()), ws[i]);
                         es += seconds(t);
                     }
                     g_phases = phase("hessian", hs) + phase("factor", fs) +
                                phase("gptq(incl.factor)", gs) + phase("errors", es);
                     return double(shapes.size());
                 },
                 "modules/s"};
        } else if (op == "rtn" || op == "gptq" || op == "awq") {
            m = quantize(modelDir, quantMethodFromName(op), model);
        } else if (op == "eval") {
            // PIQA-shaped items: a 48-token context and two 16-token choices each.
            auto tokenizer = std::make_shared<Tokenizer>(Tokenizer::fromFile(modelDir + "/tokenizer.json"));
            std::vector<EncodedRequest> requests;
            std::vector<std::int64_t> groups;
            for (int item = 0; item < 24; ++item) {
                const auto context = randomIds(48, vocab, 100 + item);
                for (int c = 0; c < 2; ++c) {
                    requests.push_back({context, randomIds(16, vocab, 1000 + 2 * item + c)});
                    groups.push_back(item);
                }
            }
            m = {[&model, tokenizer, requests, groups] {
                     LoglikelihoodScorer scorer(*model, *tokenizer);
                     scorer.scoreEncoded(requests, groups);
                     return double(scorer.stats().forwardTokens);
                 },
                 "tokens/s"};
        } else if (op == "machine") {
            // The machine's own parallel capacity at this moment, as a ceiling for the rows
            // beside it: independent floating-point chains, one per thread, no memory traffic
            // and no synchronisation but the join. On a shared or virtual machine two threads
            // often get less than two cores' worth (measured 1.0-2.0x here, minute to minute).
            m = {[threads] {
                     constexpr long kSteps = 150'000'000;
                     std::vector<std::thread> pool;
                     std::vector<double> sink(std::size_t(threads), 0.0);
                     for (int t = 0; t < threads; ++t)
                         pool.emplace_back([&sink, t] {
                             double x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
                             for (long i = 0; i < kSteps; ++i)
                                 for (double &v : x)
                                     v = v * 0.999999 + 1e-7;
                             for (double v : x)
                                 sink[std::size_t(t)] += v;
                         });
                     for (std::thread &th : pool)
                         th.join();
                     return double(threads) * kSteps * 8 * 2 + (sink[0] > 0 ? 0 : 1);
                 },
                 "Gflop/s", 1e9};
        } else {
            std::fprintf(stderr, "unknown op %s\n", op.c_str());
            return 2;
        }
        m.run(); // warm-up: weight conversion, first-touch allocations
        double best = 1e30, units = 0;
        std::string bestPhases;
        for (int r = 0; r < std::max(1, reps); ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            units = m.run();
            const double s = seconds(t0);
            if (s < best)
                bestPhases = g_phases;
            best = std::min(best, s);
        }
        if (!bestPhases.empty())
            std::printf("PHASES%s\n", bestPhases.c_str());
        std::printf("RESULT %.3f %.4f %s\n", units / best / m.unitScale, best, m.unit.c_str());
        return 0;
    } catch (const std::exception &e) {
        std::printf("ERROR %s\n", e.what());
        return 1;
    }
}

} // namespace lieq::bench
