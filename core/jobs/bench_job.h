#pragma once

#include "core/jobs/job_context.h"

#include <cstdint>
#include <string>
#include <vector>

// Speed on this machine: what `lieq bench` runs. The kernel table measures the memory read
// bandwidth and each weight type's GEMV in the same run (a kernel's packed bytes per second
// over the bandwidth is how near it is to its ceiling); the model bench times prefill and
// decode of one model folder, quantized checkpoint, stored run, or a GGUF's linears on the
// model it was exported from, and reports the process's peak RSS. Figures come with the load
// average, because other processes change them.
namespace lieq::jobs {

struct KernelBenchRequest
{
    bool quick = false;              // one shape, shorter timings
    std::vector<std::string> types;  // kernels type names ("gptq4", "q4_K", ...); empty: all
};

struct KernelBenchRow
{
    std::string shape;               // "4096x4096", "0.6B q 2048x1024", ...
    std::int64_t rows = 0, cols = 0;
    std::string type;
    double seconds = 0;              // one GEMV
    double bytesPerSecond = 0;       // packed weight bytes / seconds
    double ofBandwidth = 0;          // bytesPerSecond / read bandwidth
    double speedupOverF32 = 0;       // the f32 GEMV of the same shape / seconds
};

struct KernelBenchReport
{
    double readBandwidth = 0;        // bytes per second
    int threads = 0;
    std::string backend;             // "avx2" or "scalar"
    std::string loadBefore, loadAfter;
    std::vector<KernelBenchRow> rows;
};

KernelBenchReport runKernelBench(const KernelBenchRequest &request, const JobContext &context);

struct ModelBenchRequest
{
    std::string target;              // model folder, quantized folder or stored quant run id
    std::string gguf;                // optional: run this GGUF's linears on the target model
    int promptTokens = 128;          // prefill: one batch of this many tokens
    int genTokens = 32;              // decode: greedy steps of one token
};

struct ModelBenchReport
{
    std::string modelDir;
    std::string linears;             // what the linears run on: packed, GGUF, fp32
    double loadSeconds = 0;          // load and a short warm-up
    double prefillTokensPerSecond = 0;
    double decodeTokensPerSecond = 0;
    std::int64_t peakRssBytes = 0;   // this process's high-water mark (VmHWM)
    int threads = 0;
    std::string loadBefore, loadAfter;
};

ModelBenchReport runModelBench(const ModelBenchRequest &request, const JobContext &context);

// /proc/loadavg's three averages ("" where unavailable).
std::string loadAverage();

} // namespace lieq::jobs
