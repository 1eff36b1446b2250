#include "core/alloc/size_estimate.h"

#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace lieq::alloc {

namespace {

std::uint64_t ceilDiv(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

// The shapes a unit covers, or none when the layer was given as a bare parameter count.
std::vector<LinearShape> shapesOf(const BitPlan &plan, const PlanUnit &u)
{
    const auto layer = std::find_if(plan.layers.begin(), plan.layers.end(),
                                    [&](const LayerSpec &l) { return l.index == u.layer; });
    if (layer == plan.layers.end())
        return {};
    std::vector<LinearShape> out;
    for (const LinearShape &s : layer->linears)
        if (u.projections.empty() ||
            std::find(u.projections.begin(), u.projections.end(), s.name) != u.projections.end())
            out.push_back(s);
    return out;
}

template <typename BytesFn, typename EffFn>
SizeEstimate estimate(const BitPlan &plan, const std::string &format, std::int64_t otherParams,
                      BytesFn bytesOf, EffFn effectiveOf)
{
    SizeEstimate e;
    e.format = format;
    double params = 0, nominal = 0, effective = 0;
    for (const PlanUnit &u : plan.units) {
        const std::vector<LinearShape> shapes = shapesOf(plan, u);
        if (shapes.empty()) {
            // No shapes: bytes per weight of a notional 4096 x 4096 linear, whose dimensions
            // divide every block and group size.
            e.approximate = true;
            const std::int64_t n = 4096;
            const double perWeight = double(bytesOf(n, n, u.bits)) / double(n * n);
            e.linearBytes += std::uint64_t(std::llround(perWeight * double(u.params)));
            effective += double(u.params) * effectiveOf(u.bits, n);
        } else {
            for (const LinearShape &s : shapes) {
                e.linearBytes += bytesOf(s.rows, s.cols, u.bits);
                effective += double(s.params()) * effectiveOf(u.bits, s.rows);
            }
        }
        params += double(u.params);
        nominal += double(u.params) * u.bits;
    }
    if (params > 0) {
        e.nominalBits = nominal / params;
        e.effectiveBits = effective / params;
        e.storedBits = double(e.linearBytes) * 8.0 / params;
    }
    e.otherBytes = std::uint64_t(std::max<std::int64_t>(0, otherParams)) * 2;
    e.totalBytes = e.linearBytes + e.otherBytes;
    return e;
}

} // namespace

GgufBlock ggufBlockFor(int bits, std::int64_t rowLength)
{
    const bool k256 = rowLength % 256 == 0, b32 = rowLength % 32 == 0;
    switch (bits) {
    case 2: // block_q2_K: scales[16] + qs[64] + d + dmin = 84 bytes
        if (k256)
            return {"Q2_K", 256, 84};
        break;
    case 3: // block_q3_K: hmask[32] + qs[64] + scales[12] + d = 110 bytes
        if (k256)
            return {"Q3_K", 256, 110};
        break;
    case 4: // block_q4_K: d + dmin + scales[12] + qs[128] = 144 bytes
        if (k256)
            return {"Q4_K", 256, 144};
        if (b32)
            return {"Q5_0", 32, 22}; // llama.cpp's fallback for Q4_K
        break;
    case 8: // block_q8_0: d + qs[32] = 34 bytes
        if (b32)
            return {"Q8_0", 32, 34};
        break;
    case 16:
        return {"F16", 1, 2};
    default:
        throw Error("GGUF size: no tensor type for " + std::to_string(bits) + " bits");
    }
    if ((bits == 2 || bits == 3) && b32)
        return {"Q4_0", 32, 18}; // 4.5 bits, the size of llama.cpp's IQ4_NL fallback
    return {"F16", 1, 2};
}

std::uint64_t ggufLinearBytes(std::int64_t rows, std::int64_t cols, int bits)
{
    const GgufBlock b = ggufBlockFor(bits, cols);
    return std::uint64_t(rows) * ceilDiv(std::uint64_t(cols), std::uint64_t(b.blockSize)) *
           std::uint64_t(b.blockBytes);
}

std::uint64_t gptqLinearBytes(std::int64_t rows, std::int64_t cols, int bits,
                              const GptqOptions &o)
{
    const auto r = std::uint64_t(rows), c = std::uint64_t(cols);
    if (bits == 16)
        return r * c * 2; // kept as an fp16 weight
    if (!isQuantBits(bits))
        throw Error("GPTQ size: unsupported bit-width " + std::to_string(bits));
    const std::uint64_t groups = o.groupSize > 0 ? ceilDiv(c, std::uint64_t(o.groupSize)) : 1;
    const auto b = std::uint64_t(bits);
    const std::uint64_t qweight = ceilDiv(c * b, 32) * r * 4; // int32 [in*bits/32, out]
    const std::uint64_t qzeros = groups * ceilDiv(r * b, 32) * 4; // int32 [groups, out*bits/32]
    const std::uint64_t scales = groups * r * 2;                  // fp16 [groups, out]
    const std::uint64_t gIdx = o.storeGIdx ? c * 4 : 0;           // int32 [in]
    return qweight + qzeros + scales + gIdx;
}

double gptqEffectiveBits(int bits, std::int64_t rows, const GptqOptions &o)
{
    if (bits == 16)
        return 16.0;
    double e = bits;
    if (o.groupSize > 0) {
        e += 16.0 / o.groupSize;
        if (!o.symmetric)
            e += double(bits) / o.groupSize;
    }
    if (o.storeGIdx)
        e += 32.0 / double(rows);
    return e;
}

SizeEstimate estimateGptq(const BitPlan &plan, const GptqOptions &options,
                          std::int64_t otherParams)
{
    SizeEstimate e = estimate(
        plan, "gptq", otherParams,
        [&](std::int64_t r, std::int64_t c, int b) { return gptqLinearBytes(r, c, b, options); },
        [&](int b, std::int64_t r) { return gptqEffectiveBits(b, r, options); });
    return e;
}

SizeEstimate estimateGguf(const BitPlan &plan, std::int64_t otherParams)
{
    // GGUF blocks carry their own scales: effective bits are the stored bits per weight.
    SizeEstimate e = estimate(
        plan, "gguf", otherParams,
        [](std::int64_t r, std::int64_t c, int b) { return ggufLinearBytes(r, c, b); },
        [](int, std::int64_t) { return 0.0; });
    e.effectiveBits = e.storedBits;
    std::set<std::string> types;
    for (const PlanUnit &u : plan.units) {
        const std::vector<LinearShape> shapes = shapesOf(plan, u);
        if (shapes.empty())
            types.insert(ggufBlockFor(u.bits, 4096).type);
        for (const LinearShape &s : shapes)
            types.insert(ggufBlockFor(u.bits, s.cols).type);
    }
    e.tensorTypes.assign(types.begin(), types.end());
    return e;
}

} // namespace lieq::alloc
