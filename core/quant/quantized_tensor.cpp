#include "core/quant/quantized_tensor.h"

#include "core/quant/quant_config.h"
#include "core/util/error.h"
#include "kernels/gptq_pack.h"

#include <limits>
#include <string>

namespace lieq {

void validateQuantConfig(const QuantConfig &config)
{
    if (config.bits != 2 && config.bits != 3 && config.bits != 4 && config.bits != 8)
        throw Error("quantization: bit-width " + std::to_string(config.bits) +
                    " is not supported (use 2, 3, 4 or 8)");
    if (config.groupSize == 0 || config.groupSize < -1)
        throw Error("quantization: group size " + std::to_string(config.groupSize) +
                    " is invalid (use a positive size or -1 for per-channel)");
}

QuantizedTensor allocateQuantizedTensor(std::int64_t rows, std::int64_t cols,
                                        const QuantConfig &config)
{
    QuantizedTensor q;
    q.rows = rows;
    q.cols = cols;
    q.bits = config.bits;
    q.groupSize = config.groupSize;
    q.symmetric = config.symmetric;
    const std::int64_t gs = config.effectiveGroupSize(cols);
    q.numGroups = (cols + gs - 1) / gs;
    q.codes.resize(std::size_t(rows * cols));
    q.scales.resize(std::size_t(rows * q.numGroups));
    q.zeros.resize(std::size_t(rows * q.numGroups));
    q.gIdx.resize(std::size_t(cols));
    return q;
}

bool QuantizedTensor::hasTrivialGroups() const
{
    const std::int64_t gs = groupSize > 0 ? groupSize : cols;
    for (std::int64_t c = 0; c < cols; ++c) {
        if (gIdx[c] != c / gs)
            return false;
    }
    return true;
}

void dequantizeInto(const QuantizedTensor &q, float *out)
{
    for (std::int64_t r = 0; r < q.rows; ++r) {
        const std::uint8_t *code = q.codes.data() + r * q.cols;
        const float *scale = q.scales.data() + r * q.numGroups;
        const std::uint8_t *zero = q.zeros.data() + r * q.numGroups;
        float *dst = out + r * q.cols;
        for (std::int64_t c = 0; c < q.cols; ++c) {
            const std::int32_t g = q.gIdx[c];
            // Same expression as the quantizers' reconstruction, so the result is bit-exact.
            dst[c] = scale[g] * (float(code[c]) - float(zero[g]));
        }
    }
}

std::vector<float> dequantize(const QuantizedTensor &q)
{
    std::vector<float> out(static_cast<std::size_t>(q.rows * q.cols));
    dequantizeInto(q, out.data());
    return out;
}

void validateQuantizedTensor(const QuantizedTensor &q)
{
    auto fail = [](const std::string &what) { throw Error("quantized tensor: " + what); };
    validateQuantConfig(QuantConfig{q.bits, q.groupSize, q.symmetric});
    if (q.rows <= 0 || q.cols <= 0)
        fail("empty shape " + std::to_string(q.rows) + "x" + std::to_string(q.cols));
    const std::int64_t gs = q.groupSize > 0 ? q.groupSize : q.cols;
    if (q.numGroups != (q.cols + gs - 1) / gs)
        fail("numGroups " + std::to_string(q.numGroups) + " does not match " +
             std::to_string(q.cols) + " columns in groups of " + std::to_string(gs));
    if (std::int64_t(q.codes.size()) != q.rows * q.cols)
        fail("codes hold " + std::to_string(q.codes.size()) + " values, expected rows x cols");
    if (std::int64_t(q.scales.size()) != q.rows * q.numGroups ||
        std::int64_t(q.zeros.size()) != q.rows * q.numGroups)
        fail("scales/zeros do not hold rows x numGroups values");
    if (std::int64_t(q.gIdx.size()) != q.cols)
        fail("gIdx holds " + std::to_string(q.gIdx.size()) + " entries, expected " +
             std::to_string(q.cols));
    const int maxq = q.maxq();
    for (std::uint8_t c : q.codes) {
        if (c > maxq)
            fail("a code exceeds " + std::to_string(maxq) + " for " + std::to_string(q.bits) +
                 " bits");
    }
    for (std::uint8_t z : q.zeros) {
        if (z > maxq)
            fail("a zero point exceeds " + std::to_string(maxq));
    }
    for (float s : q.scales) {
        if (!(s > 0.0f) || s == std::numeric_limits<float>::infinity())
            fail("a scale is not a positive finite number");
    }
    std::vector<std::int64_t> perGroup(q.numGroups, 0);
    for (std::int32_t g : q.gIdx) {
        if (g < 0 || g >= q.numGroups)
            fail("gIdx entry " + std::to_string(g) + " is out of range");
        ++perGroup[g];
    }
    if (!q.perm.empty()) {
        if (std::int64_t(q.perm.size()) != q.cols)
            fail("perm holds " + std::to_string(q.perm.size()) + " entries, expected " +
                 std::to_string(q.cols));
        std::vector<bool> seen(q.cols, false);
        for (std::int32_t p : q.perm) {
            if (p < 0 || p >= q.cols || seen[p])
                fail("perm is not a permutation of the columns");
            seen[p] = true;
        }
    }
}

double effectiveBitsPerWeight(int bits, int groupSize, std::int64_t rows, std::int64_t cols,
                              bool storesGIdx)
{
    if (rows <= 0 || cols <= 0)
        return double(bits);
    const std::int64_t gs = groupSize > 0 ? groupSize : cols;
    const std::int64_t groups = (cols + gs - 1) / gs;
    double total = double(bits) * double(rows) * double(cols);
    total += double(16 + bits) * double(rows) * double(groups);
    if (storesGIdx)
        total += 32.0 * double(cols);
    return total / (double(rows) * double(cols));
}

double effectiveBitsPerWeight(const QuantizedTensor &q)
{
    return effectiveBitsPerWeight(q.bits, q.groupSize, q.rows, q.cols, !q.hasTrivialGroups());
}

namespace {

// The arrays of a PackedWeight made here.
struct PackedStorage
{
    std::vector<std::int32_t> qweight, qzeros, gIdx;
    std::vector<kernels::fp16_t> scales;
};

} // namespace

std::int64_t PackedWeight::bytes() const
{
    std::int64_t b = 4 * (shape.qweightWords() + shape.qzerosWords()) + 2 * shape.groups() * shape.rows;
    return gIdx && actOrder() ? b + 4 * shape.cols : b;
}

PackedWeight packQuantizedTensor(const QuantizedTensor &q)
{
    validateQuantizedTensor(q);
    auto storage = std::make_shared<PackedStorage>();
    PackedWeight p;
    p.shape = {q.rows, q.cols, q.bits, q.groupSize > 0 ? q.groupSize : q.cols};
    p.configuredGroupSize = q.groupSize;
    p.symmetric = q.symmetric;
    storage->qweight.resize(std::size_t(p.shape.qweightWords()));
    storage->qzeros.resize(std::size_t(p.shape.qzerosWords()));
    storage->scales.resize(std::size_t(p.shape.groups() * q.rows));
    kernels::gptqPackWeights(p.shape, q.codes.data(), storage->qweight.data());
    kernels::gptqPackZeros(p.shape, q.zeros.data(), storage->qzeros.data());
    kernels::gptqPackScales(p.shape, q.scales.data(), storage->scales.data());
    if (!q.hasTrivialGroups())
        storage->gIdx = q.gIdx;
    p.qweight = storage->qweight.data();
    p.qzeros = storage->qzeros.data();
    p.scales = storage->scales.data();
    p.gIdx = storage->gIdx.empty() ? nullptr : storage->gIdx.data();
    p.keeper = std::move(storage);
    return p;
}

QuantizedTensor unpackQuantizedTensor(const PackedWeight &p)
{
    QuantizedTensor q;
    q.rows = p.shape.rows;
    q.cols = p.shape.cols;
    q.bits = p.shape.bits;
    q.groupSize = p.configuredGroupSize;
    q.symmetric = p.symmetric;
    q.numGroups = p.shape.groups();
    q.codes.resize(std::size_t(q.rows * q.cols));
    q.zeros.resize(std::size_t(q.rows * q.numGroups));
    q.scales.resize(std::size_t(q.rows * q.numGroups));
    q.gIdx.resize(std::size_t(q.cols));
    kernels::gptqUnpackWeights(p.shape, p.qweight, q.codes.data());
    kernels::gptqUnpackZeros(p.shape, p.qzeros, q.zeros.data());
    for (std::int64_t r = 0; r < q.rows; ++r)
        for (std::int64_t g = 0; g < q.numGroups; ++g)
            q.scales[r * q.numGroups + g] = kernels::fp16ToFp32(p.scales[g * q.rows + r]);
    for (std::int64_t c = 0; c < q.cols; ++c)
        q.gIdx[c] = p.gIdx ? p.gIdx[c] : std::int32_t(c / p.shape.groupSize);
    return q;
}

} // namespace lieq
