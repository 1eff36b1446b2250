// File sizes and effective bits, against block and tensor sizes worked out by hand.
#include "core/alloc/allocator.h"
#include "core/alloc/size_estimate.h"
#include "core/util/error.h"

#include <QTest>
#include <cmath>

using namespace lieq;
using namespace lieq::alloc;

class TestSizeEstimate : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void ggufBlocks_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("cols");
        QTest::addColumn<QString>("type");
        QTest::addColumn<double>("bitsPerWeight");
        // k-quants: 256 weights per block.
        QTest::newRow("Q2_K") << 2 << 4096 << "Q2_K" << 84 * 8 / 256.0;   // 2.625
        QTest::newRow("Q3_K") << 3 << 4096 << "Q3_K" << 110 * 8 / 256.0;  // 3.4375
        QTest::newRow("Q4_K") << 4 << 4096 << "Q4_K" << 144 * 8 / 256.0;  // 4.5
        QTest::newRow("Q8_0") << 8 << 4096 << "Q8_0" << 34 * 8 / 32.0;    // 8.5
        QTest::newRow("F16") << 16 << 4096 << "F16" << 16.0;
        // Rows of 64 (stories260K) are not a multiple of 256: 32-wide fallbacks.
        QTest::newRow("2-bit on 64") << 2 << 64 << "Q4_0" << 18 * 8 / 32.0;  // 4.5
        QTest::newRow("4-bit on 64") << 4 << 64 << "Q5_0" << 22 * 8 / 32.0;  // 5.5
        QTest::newRow("8-bit on 64") << 8 << 64 << "Q8_0" << 8.5;
        // Not even a multiple of 32: F16.
        QTest::newRow("2-bit on 48") << 2 << 48 << "F16" << 16.0;
    }
    void ggufBlocks()
    {
        QFETCH(int, bits);
        QFETCH(int, cols);
        QFETCH(QString, type);
        QFETCH(double, bitsPerWeight);
        QCOMPARE(QString::fromStdString(ggufBlockFor(bits, cols).type), type);
        const std::uint64_t bytes = ggufLinearBytes(10, cols, bits);
        QCOMPARE(double(bytes) * 8 / (10.0 * cols), bitsPerWeight);
    }

    void gptqLinear()
    {
        // 4096 x 4096 at 4 bits, groups of 128, asymmetric, g_idx stored:
        //   qweight int32 [4096*4/32 = 512, 4096]      = 512*4096*4  = 8,388,608 bytes
        //   qzeros  int32 [32 groups, 4096*4/32 = 512] = 32*512*4    =    65,536
        //   scales  fp16  [32, 4096]                   = 32*4096*2   =   262,144
        //   g_idx   int32 [4096]                       = 4096*4      =    16,384
        GptqOptions o;
        QCOMPARE(gptqLinearBytes(4096, 4096, 4, o), std::uint64_t(8732672));
        // = 4 + 16/128 + 4/128 + 32/4096 = 4.1640625 bits per weight, stored and effective
        QCOMPARE(gptqEffectiveBits(4, 4096, o), 4.1640625);
        QCOMPARE(double(gptqLinearBytes(4096, 4096, 4, o)) * 8 / (4096.0 * 4096), 4.1640625);
        // 3 bits: 32 rows pack into 3 int32; qweight [384, 4096]
        QCOMPARE(gptqLinearBytes(4096, 4096, 3, o),
                 std::uint64_t(384 * 4096 * 4 + 32 * 384 * 4 + 262144 + 16384));
        // Symmetric: no zero-points in the information content; the format still stores them.
        o.symmetric = true;
        QCOMPARE(gptqEffectiveBits(4, 4096, o), 4.1328125); // 4 + 16/128 + 32/4096
        QCOMPARE(gptqLinearBytes(4096, 4096, 4, o), std::uint64_t(8732672));
        // Per-channel (no groups) without g_idx: 1 scale + 1 zero per row.
        o = GptqOptions{};
        o.groupSize = -1;
        o.storeGIdx = false;
        QCOMPARE(gptqLinearBytes(256, 1024, 2, o),
                 std::uint64_t(1024 * 2 / 32 * 256 * 4 + 256 * 2 / 32 * 4 + 256 * 2));
        QCOMPARE(gptqEffectiveBits(16, 256, o), 16.0);
        QCOMPARE(gptqLinearBytes(256, 1024, 16, o), std::uint64_t(256 * 1024 * 2));
    }

    void planOnQwenShapedModel()
    {
        // 28 layers shaped like Qwen3-0.6B (h 1024, q 2048, kv 1024, mlp 3072) with the
        // one-4-bit-layer plan: nominal 2 + 2/28, and the GGUF file is 27 layers of Q2_K plus
        // one of Q4_K (all in_features are multiples of 256).
        AllocationRequest r;
        for (int i = 0; i < 28; ++i)
            r.layers.push_back({i, i == 5 ? 1.0 : 0.1, 0,
                                {{"q_proj", 2048, 1024}, {"k_proj", 1024, 1024},
                                 {"v_proj", 1024, 1024}, {"o_proj", 1024, 2048},
                                 {"gate_proj", 3072, 1024}, {"up_proj", 3072, 1024},
                                 {"down_proj", 1024, 3072}}});
        r.budget = 2.0 + 2.0 / 28;
        const BitPlan p = allocate(r);
        QCOMPARE(p.bitsFor(5, "down_proj"), 4);
        const double perLayer = 2048 * 1024 + 2 * 1024 * 1024 + 1024 * 2048 + 3 * 3072 * 1024;
        QCOMPARE(double(p.totalParams()), 28 * perLayer);
        QVERIFY(std::fabs(p.nominalBits() - (2.0 + 2.0 / 28)) < 1e-12);

        const SizeEstimate g = estimateGguf(p, 151936LL * 1024);
        QVERIFY(!g.approximate);
        QCOMPARE(g.linearBytes, std::uint64_t(perLayer / 256 * (27 * 84 + 144)));
        QCOMPARE(g.otherBytes, std::uint64_t(151936LL * 1024 * 2));
        QCOMPARE(g.totalBytes, g.linearBytes + g.otherBytes);
        QCOMPARE(g.tensorTypes, (std::vector<std::string>{"Q2_K", "Q4_K"}));
        QVERIFY(std::fabs(g.effectiveBits - (27 * 2.625 + 4.5) / 28) < 1e-12);

        const SizeEstimate q = estimateGptq(p, GptqOptions{});
        // Effective bits: weight-averaged 2 or 4 + 16/128 + b/128 + 32/rows.
        double eff = 0;
        for (const PlanUnit &u : p.units)
            for (const LinearShape &s : r.layers[std::size_t(u.layer)].linears)
                eff += double(s.params()) * (u.bits + 16.0 / 128 + u.bits / 128.0 + 32.0 / s.rows);
        QVERIFY(std::fabs(q.effectiveBits - eff / (28 * perLayer)) < 1e-12);
        QVERIFY(std::fabs(q.storedBits - q.effectiveBits) < 1e-12); // asymmetric: identical
        QVERIFY(q.nominalBits == p.nominalBits());
    }

    void approximateWithoutShapes()
    {
        AllocationRequest r;
        for (int i = 0; i < 4; ++i)
            r.layers.push_back({i, double(i), 1 << 20, {}});
        r.budget = 2.5; // one of four layers at 4 bits
        const BitPlan p = allocate(r);
        const SizeEstimate g = estimateGguf(p);
        QVERIFY(g.approximate);
        QCOMPARE(g.linearBytes, std::uint64_t((3 * 84 + 144) * (1 << 20) / 256));
        const SizeEstimate q = estimateGptq(p, GptqOptions{});
        QVERIFY(q.approximate);
        QVERIFY(q.effectiveBits > p.nominalBits());
    }
};

QTEST_GUILESS_MAIN(TestSizeEstimate)
#include "tst_sizeestimate.moc"
