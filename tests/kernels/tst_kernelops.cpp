// Every kernel against its reference, in the manner of ggml's test-backend-ops: matmul on AVX2
// vs the scalar reference (same quantized activations: only float summation order differs) and
// vs fp32 (dequantized W times unquantized x: the activation quantization's error), by NMSE
// with per-type limits, over odd shapes, tails of output tiles, group boundaries, act-order
// g_idx, and 1..64 activation rows. Work is split by a test parallel-for that runs chunks on
// two threads in shuffled order, and the split result must equal the unsplit one bit for bit;
// the VNNI build (AVX512-VNNI integer dots) must equal the AVX2 build bit for bit.
#include "kernels/cpu/x86/ggml_dot_avx2.h"
#include "kernels/cpu/x86/gptq_avx2.h"
#include "kernels/cpu_features.h"
#include "kernels/ggml_quants.h"
#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "tests/kernels/test_data.h"

#include <QTest>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <random>
#include <thread>

using namespace lieq::kernels;

namespace {

// Chunks of `grain` taken in a shuffled order by the caller and one extra thread.
void shuffledParallelFor(std::int64_t n, const RangeFn &fn, std::int64_t grain)
{
    std::vector<std::pair<std::int64_t, std::int64_t>> chunks;
    for (std::int64_t b = 0; b < n; b += grain)
        chunks.push_back({b, std::min(n, b + grain)});
    std::shuffle(chunks.begin(), chunks.end(), std::mt19937(unsigned(n)));
    std::thread other([&] {
        for (std::size_t i = 1; i < chunks.size(); i += 2)
            fn(chunks[i].first, chunks[i].second);
    });
    for (std::size_t i = 0; i < chunks.size(); i += 2)
        fn(chunks[i].first, chunks[i].second);
    other.join();
}

// A GPTQ matrix with random codes, zeros and scales (storage kept here).
struct GptqFixture
{
    std::vector<std::int32_t> qweight, qzeros, gIdx;
    std::vector<fp16_t> scales;
    GptqMatrix m;

    GptqFixture(std::int64_t rows, std::int64_t cols, int bits, std::int64_t groupSize,
                bool actOrder, std::uint32_t seed)
    {
        const GptqShape s{rows, cols, bits, groupSize};
        std::mt19937 rng(seed);
        const int maxq = (1 << bits) - 1;
        std::vector<std::uint8_t> codes(std::size_t(rows * cols)), zeros(std::size_t(rows * s.groups()));
        for (auto &c : codes)
            c = std::uint8_t(rng() % (maxq + 1));
        for (auto &z : zeros)
            z = std::uint8_t(rng() % (maxq + 1));
        std::vector<float> sc(zeros.size());
        std::uniform_real_distribution<float> u(0.002f, 0.05f);
        for (auto &v : sc)
            v = u(rng);
        qweight.resize(std::size_t(s.qweightWords()));
        qzeros.resize(std::size_t(s.qzerosWords()));
        scales.resize(std::size_t(s.groups() * rows));
        gptqPackWeights(s, codes.data(), qweight.data());
        gptqPackZeros(s, zeros.data(), qzeros.data());
        gptqPackScales(s, sc.data(), scales.data());
        if (actOrder) {
            std::vector<std::int32_t> perm(static_cast<std::size_t>(cols));
            for (std::int64_t k = 0; k < cols; ++k)
                perm[k] = std::int32_t(k);
            std::shuffle(perm.begin(), perm.end(), rng);
            gIdx.resize(std::size_t(cols));
            for (std::int64_t p = 0; p < cols; ++p)
                gIdx[perm[p]] = std::int32_t(p / groupSize);
        }
        m = {s, qweight.data(), qzeros.data(), scales.data(), gIdx.empty() ? nullptr : gIdx.data()};
    }
};

struct Result
{
    double vsScalar = 0;
    double vsFloat = 0;
    bool splitsAgree = true; // split, unsplit and timed-split results are the same bits
    bool vnniAgrees = true;  // the VNNI build gives the AVX2 build's bits
};

Result compare(const WeightView &w, std::int64_t m, std::uint32_t seed)
{
    validate(w);
    const auto x = lieq::test::kernelTestValues("normal", m * w.cols, seed);
    std::vector<float> yFast(std::size_t(m * w.rows), -1.0f), yRef(yFast.size(), -2.0f),
        yFloat(yFast.size(), 0.0f), dense(std::size_t(w.rows * w.cols));
    // Split into shuffled chunks on two threads, then on this thread alone, then as
    // kernels::parallelForTimed decides (unsplit and split probes, then the faster way): a
    // split must not change a single bit.
    setSplitPolicy(SplitPolicy::Always);
    matmul(w, x.data(), m, yFast.data(), Backend::Avx2);
    setSplitPolicy(SplitPolicy::Never);
    std::vector<float> serial(yFast.size(), -3.0f);
    matmul(w, x.data(), m, serial.data(), Backend::Avx2);
    setSplitPolicy(SplitPolicy::Adaptive);
    if (std::memcmp(serial.data(), yFast.data(), yFast.size() * sizeof(float)) != 0)
        return {1.0, 1.0, false};
    for (int run = 0; run < 8; ++run) {
        std::vector<float> again(yFast.size(), -4.0f);
        matmul(w, x.data(), m, again.data(), Backend::Avx2);
        if (std::memcmp(again.data(), yFast.data(), yFast.size() * sizeof(float)) != 0)
            return {1.0, 1.0, false};
    }
    // The VNNI build computes the same integer sums and float steps: the same bits (on a CPU
    // without AVX512-VNNI, Vnni falls back to Avx2 and this compares the AVX2 build with itself).
    std::vector<float> vnni(yFast.size(), -5.0f);
    matmul(w, x.data(), m, vnni.data(), Backend::Vnni);
    if (std::memcmp(vnni.data(), yFast.data(), yFast.size() * sizeof(float)) != 0)
        return {1.0, 1.0, true, false};
    matmul(w, x.data(), m, yRef.data(), Backend::Scalar);
    dequantizeRows(w, 0, w.rows, dense.data());
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t r = 0; r < w.rows; ++r) {
            double s = 0;
            for (std::int64_t k = 0; k < w.cols; ++k)
                s += double(dense[r * w.cols + k]) * x[i * w.cols + k];
            yFloat[i * w.rows + r] = float(s);
        }
    return {lieq::test::nmse(yFast.data(), yRef.data(), std::int64_t(yFast.size())),
            lieq::test::nmse(yRef.data(), yFloat.data(), std::int64_t(yFast.size())), true, true};
}

// The activation quantizer `fast` writes `ref`'s bytes for the whole blocks of QK values that
// the first n values of x make.
template <typename Block, std::int64_t QK, typename Ref, typename Fast>
bool sameBytes(Ref ref, Fast fast, const std::vector<float> &x, std::int64_t n)
{
    const std::int64_t whole = n / QK * QK;
    std::vector<Block> r(std::size_t(whole / QK)), f(r.size());
    ref(x.data(), r.data(), whole);
    fast(x.data(), f.data(), whole);
    return std::memcmp(r.data(), f.data(), r.size() * sizeof(Block)) == 0;
}

} // namespace

class TestKernelOps : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        setParallelFor(shuffledParallelFor);
        // As if on 5 threads: the GPTQ GEMV then cuts each half of its inputs into 3 ranges of
        // outputs (split, unsplit and VNNI must still agree bit for bit).
        setParallelWidth([] { return 5; });
        if (!cpuFeatures().x86Avx2())
            qWarning("CPU without AVX2/FMA/F16C: the AVX2 kernels fall back to scalar here");
        if (!cpuFeatures().x86Vnni())
            qWarning("CPU without AVX512-VNNI/VL: the VNNI kernels fall back to AVX2 here");
    }
    void cleanupTestCase()
    {
        setParallelFor({});
        setParallelWidth(nullptr);
    }

    void ggmlTypes_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("m");
        QTest::addColumn<double>("floatLimit");
        // Activation quantization error limits: Q8_0 (per 32) for Q4_0/Q8_0, Q8_K (per 256).
        const std::pair<const char *, double> types[] = {
            {"q4_0", 3e-4}, {"q8_0", 3e-4}, {"q2_K", 2e-3}, {"q3_K", 2e-3}, {"q4_K", 2e-3},
            {"q6_K", 2e-3}, {"f16", 1e-10}, {"bf16", 1e-10}, {"f32", 1e-10}};
        for (auto [t, limit] : types)
            for (auto [rows, cols] : {std::pair{1, 256}, std::pair{7, 512}, std::pair{33, 768},
                                      std::pair{64, 2816}})
                for (int m : {1, 3, 4, 5, 17, 64})
                    QTest::newRow(qPrintable(QStringLiteral("%1 %2x%3 m%4").arg(QLatin1String(t)).arg(rows).arg(cols).arg(m)))
                        << QString::fromLatin1(t) << rows << cols << m << limit;
        // An odd count of 32-blocks (Q4_0's GEMV steps two at a time) on rows that leave a
        // row over after the far-apart streams.
        for (auto [t, limit] : {types[0], types[1]})
            for (int m : {1, 5})
                QTest::newRow(qPrintable(QStringLiteral("%1 9x800 m%2").arg(QLatin1String(t)).arg(m)))
                    << QString::fromLatin1(t) << 9 << 800 << m << limit;
    }

    void ggmlTypes()
    {
        QFETCH(QString, type);
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, m);
        QFETCH(double, floatLimit);
        const TypeTraits &t = typeTraits(*typeFromName(type.toStdString()));
        const auto values = lieq::test::kernelTestValues("mixed", std::int64_t(rows) * cols, 5);
        const std::int64_t rb = rowBytes(t.type, cols);
        std::vector<std::uint8_t> data(std::size_t(rb * rows));
        for (int r = 0; r < rows; ++r)
            t.fromFloatRef(values.data() + std::int64_t(r) * cols, data.data() + r * rb, cols);
        WeightView w{t.type, rows, cols, data.data(), {}};
        const Result res = compare(w, m, 11);
        QVERIFY2(res.splitsAgree, "splitting the rows over threads changed the result");
        QVERIFY2(res.vnniAgrees, "the VNNI build differs from the AVX2 build");
        QVERIFY2(res.vsScalar < 1e-9, qPrintable(QStringLiteral("avx2 vs scalar NMSE %1").arg(res.vsScalar)));
        // NMSE of a handful of outputs is dominated by chance cancellation in one of them.
        if (std::int64_t(rows) * m >= 32)
            QVERIFY2(res.vsFloat < floatLimit, qPrintable(QStringLiteral("scalar vs fp32 NMSE %1").arg(res.vsFloat)));
    }

    void gptq_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("groupSize");
        QTest::addColumn<bool>("actOrder");
        QTest::addColumn<int>("m");
        for (int bits : {2, 3, 4, 8})
            for (auto [rows, cols, g, act] :
                 {std::tuple{8, 32, 32, false}, std::tuple{13, 100, 32, false},
                  std::tuple{64, 256, 128, false}, std::tuple{100, 1000, 64, false},
                  std::tuple{24, 320, 320, false}, std::tuple{40, 172, 172, false},
                  std::tuple{16, 256, 48, false}, std::tuple{32, 256, 64, true},
                  std::tuple{1, 64, 32, false}})
                for (int m : {1, 2, 4, 7, 64})
                    QTest::newRow(qPrintable(QStringLiteral("b%1 %2x%3 g%4%5 m%6").arg(bits).arg(rows).arg(cols).arg(g).arg(act ? QStringLiteral(" act") : QString()).arg(m)))
                        << bits << rows << cols << g << act << m;
    }

    // K-quant blocks of random bytes (every scale, min, code and high-bit pattern the format
    // can hold, as a GGUF file may bring; only the fp16 scales set to finite values), on row
    // counts that leave streams and rows over in the R-stream GEMVs: the VNNI build (Q3_K in
    // 512-bit registers) gives the AVX2 build's bits, and both the scalar reference's sums.
    void ggmlRandomBlocks_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("m");
        for (const char *t : {"q2_K", "q3_K", "q4_K", "q6_K"})
            for (auto [rows, cols] : {std::pair{1, 256}, std::pair{9, 512}, std::pair{17, 768}, std::pair{40, 1280}})
                for (int m : {1, 3})
                    QTest::newRow(qPrintable(QStringLiteral("%1 %2x%3 m%4").arg(QLatin1String(t)).arg(rows).arg(cols).arg(m)))
                        << QString::fromLatin1(t) << rows << cols << m;
    }

    void ggmlRandomBlocks()
    {
        QFETCH(QString, type);
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, m);
        const TypeTraits &t = typeTraits(*typeFromName(type.toStdString()));
        // Offsets of the fp16 scale fields in each block.
        const std::vector<std::size_t> halfs =
            t.type == QuantType::Q2_K   ? std::vector<std::size_t>{offsetof(BlockQ2K, d), offsetof(BlockQ2K, dmin)}
            : t.type == QuantType::Q3_K ? std::vector<std::size_t>{offsetof(BlockQ3K, d)}
            : t.type == QuantType::Q4_K ? std::vector<std::size_t>{offsetof(BlockQ4K, d), offsetof(BlockQ4K, dmin)}
                                        : std::vector<std::size_t>{offsetof(BlockQ6K, d)};
        const std::int64_t rb = rowBytes(t.type, cols), blockBytes = t.bytesPerBlock;
        std::mt19937 rng(std::uint32_t(rows * 131 + cols + m));
        std::vector<std::uint8_t> data(std::size_t(rb * rows));
        for (auto &b : data)
            b = std::uint8_t(rng());
        std::uniform_real_distribution<float> scale(0.001f, 0.02f);
        for (std::int64_t off = 0; off < std::int64_t(data.size()); off += blockBytes)
            for (std::size_t h : halfs) {
                const fp16_t d = fp32ToFp16(scale(rng) * (rng() % 2 ? 1.0f : -1.0f));
                std::memcpy(data.data() + off + h, &d, sizeof d);
            }
        WeightView w{t.type, rows, cols, data.data(), {}};
        const Result res = compare(w, m, 23);
        QVERIFY2(res.splitsAgree, "splitting the rows over threads changed the result");
        QVERIFY2(res.vnniAgrees, "the VNNI build differs from the AVX2 build");
        QVERIFY2(res.vsScalar < 1e-9, qPrintable(QStringLiteral("avx2 vs scalar NMSE %1").arg(res.vsScalar)));
    }

    void gptq()
    {
        QFETCH(int, bits);
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, groupSize);
        QFETCH(bool, actOrder);
        QFETCH(int, m);
        GptqFixture f(rows, cols, bits, groupSize, actOrder, std::uint32_t(bits * 7 + rows));
        const Result res = compare(gptqView(f.m), m, 3);
        QVERIFY2(res.splitsAgree, "splitting the rows over threads changed the result");
        QVERIFY2(res.vnniAgrees, "the VNNI build differs from the AVX2 build");
        QVERIFY2(res.vsScalar < 1e-9, qPrintable(QStringLiteral("avx2 vs scalar NMSE %1").arg(res.vsScalar)));
        // int8 activations per 32 inputs: NMSE about 3e-5 (x's own quantization error).
        if (std::int64_t(rows) * m >= 32)
            QVERIFY2(res.vsFloat < 2e-4, qPrintable(QStringLiteral("scalar vs fp32 NMSE %1").arg(res.vsFloat)));
    }

    // Quantize -> dequantize error of the reference quantizers on normal values (ggml's
    // test-quantize-fns "total error" check, as NMSE).
    void quantizationError_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<double>("limit");
        for (auto [t, limit] : {std::pair{"q4_0", 1.5e-2}, std::pair{"q8_0", 6e-5},
                                std::pair{"q2_K", 1.5e-1}, std::pair{"q3_K", 5e-2},
                                std::pair{"q4_K", 1.2e-2}, std::pair{"q6_K", 1e-3},
                                std::pair{"q8_K", 1e-4}})
            QTest::newRow(t) << QString::fromLatin1(t) << limit;
    }

    // The SIMD activation quantizers must give the reference's bytes: the scalar backend and
    // the SIMD ones quantize x with them, and the reference defines the codes. Rows include
    // exact ties (amax 127: d = 1, so k + 0.5 stays a tie), zeros and a lone value.
    void activationQuantizers()
    {
        if (!cpuFeatures().x86Avx2())
            QSKIP("no AVX2");
        std::mt19937 rng(7);
        std::normal_distribution<float> nd(0.0f, 1.0f);
        std::uniform_int_distribution<int> half(-254, 254);
        for (int kind = 0; kind < 5; ++kind) {
            for (const std::int64_t n : {32, 64, 256, 1000, 1024, 3072}) {
                std::vector<float> x(static_cast<std::size_t>(n));
                for (std::int64_t i = 0; i < n; ++i)
                    x[i] = kind == 0 || kind == 4 ? nd(rng) * 3.0f : kind == 1 ? float(half(rng)) * 0.5f : 0.0f;
                if (kind == 1)
                    for (std::int64_t i = 0; i < n; i += 32)
                        x[i] = 127.0f;
                if (kind == 3)
                    x[5] = -2.5f;
                if (kind == 4) // the largest magnitude twice per block, negative first
                    for (std::int64_t i = 0; i + 200 < n; i += 256) {
                        x[i + 3] = -40.0f;
                        x[i + 200] = 40.0f;
                    }
                QVERIFY2((sameBytes<BlockQ8_0, 32>(quantizeRowQ8_0Ref, x86::quantizeRowQ8_0Avx2, x, n)),
                         qPrintable(QStringLiteral("q8_0 kind %1 n %2").arg(kind).arg(n)));
                QVERIFY2((sameBytes<BlockQ8K, 256>(quantizeRowQ8KRef, x86::quantizeRowQ8KAvx2, x, n)),
                         qPrintable(QStringLiteral("q8_K kind %1 n %2").arg(kind).arg(n)));
                GptqActivations a, b;
                quantizeGptqActivations(x.data(), 1, n, a);
                x86::quantizeGptqActivationsAvx2(x.data(), 1, n, b);
                QVERIFY2(a.q == b.q && a.d == b.d && a.sums == b.sums && a.paddedCols == b.paddedCols,
                         qPrintable(QStringLiteral("gptq kind %1 n %2").arg(kind).arg(n)));
            }
        }
    }

    void quantizationError()
    {
        QFETCH(QString, type);
        QFETCH(double, limit);
        const TypeTraits &t = typeTraits(*typeFromName(type.toStdString()));
        const std::int64_t n = 64 * 256;
        const auto x = lieq::test::kernelTestValues("normal", n, 17);
        std::vector<std::uint8_t> blocks(std::size_t(rowBytes(t.type, n)));
        std::vector<float> back(static_cast<std::size_t>(n));
        t.fromFloatRef(x.data(), blocks.data(), n);
        t.toFloat(blocks.data(), back.data(), n);
        const double e = lieq::test::nmse(back.data(), x.data(), n);
        qInfo("%s quantization NMSE %.3g (limit %.3g)", t.name, e, limit);
        QVERIFY(e < limit);
        QVERIFY(e > limit / 20); // the limit is tight enough to notice a regression
    }
};

QTEST_GUILESS_MAIN(TestKernelOps)
#include "tst_kernelops.moc"
