// The GPTQ v1 packing: bit-exact round trips for every bit-width and awkward shapes, and the
// layout itself checked against AutoGPTQ's packing loop (transcribed below, word by word).
#include "kernels/gptq_pack.h"

#include <QTest>

#include <random>

using namespace lieq::kernels;

namespace {

// AutoGPTQ's QuantLinear.pack() for one output column: intweight[k] for k in 0..cols-1
// (cols % 32 == 0), written as qweight rows. Kept deliberately literal.
std::vector<std::uint32_t> autoGptqColumn(const std::vector<std::uint32_t> &w, int bits)
{
    std::vector<std::uint32_t> q(w.size() / 32 * bits, 0);
    std::size_t i = 0, row = 0;
    while (row < q.size()) {
        if (bits == 2 || bits == 4 || bits == 8) {
            for (std::size_t j = i; j < i + 32 / bits; ++j)
                q[row] |= w[j] << (bits * (j - i));
            i += 32 / bits;
            row += 1;
        } else { // 3 bits
            for (std::size_t j = i; j < i + 10; ++j)
                q[row] |= w[j] << (3 * (j - i));
            i += 10;
            q[row] |= w[i] << 30;
            row += 1;
            q[row] |= (w[i] >> 2) & 1;
            i += 1;
            for (std::size_t j = i; j < i + 10; ++j)
                q[row] |= w[j] << (3 * (j - i) + 1);
            i += 10;
            q[row] |= w[i] << 31;
            row += 1;
            q[row] |= (w[i] >> 1) & 0x3;
            i += 1;
            for (std::size_t j = i; j < i + 10; ++j)
                q[row] |= w[j] << (3 * (j - i) + 2);
            i += 10;
            row += 1;
        }
    }
    return q;
}

} // namespace

class TestGptqPack : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("groupSize");
        for (int bits : {2, 3, 4, 8})
            for (auto [r, c, g] : {std::tuple{64, 128, 32}, std::tuple{7, 33, 16},
                                   std::tuple{172, 64, 64}, std::tuple{5, 1, 1},
                                   std::tuple{33, 300, 128}, std::tuple{3, 96, 96},
                                   std::tuple{96, 250, 250}})
                QTest::newRow(qPrintable(QStringLiteral("b%1 %2x%3 g%4").arg(bits).arg(r).arg(c).arg(g)))
                    << bits << r << c << g;
    }

    void roundTrip()
    {
        QFETCH(int, bits);
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, groupSize);
        const GptqShape s{rows, cols, bits, groupSize};
        std::mt19937 rng(bits * 1000 + rows);
        const int maxq = (1 << bits) - 1;
        std::vector<std::uint8_t> codes(std::size_t(rows) * cols), zeros(std::size_t(rows) * s.groups());
        for (auto &c : codes)
            c = std::uint8_t(rng() % (maxq + 1));
        for (auto &z : zeros)
            z = std::uint8_t(rng() % (maxq + 1));
        zeros[0] = 0;                 // the v1 "minus one" wraps: must still round-trip
        zeros.back() = std::uint8_t(maxq);

        std::vector<std::int32_t> qweight(s.qweightWords(), -1), qzeros(s.qzerosWords(), -1);
        gptqPackWeights(s, codes.data(), qweight.data());
        gptqPackZeros(s, zeros.data(), qzeros.data());
        std::vector<std::uint8_t> codes2(codes.size()), zeros2(zeros.size());
        gptqUnpackWeights(s, qweight.data(), codes2.data());
        gptqUnpackZeros(s, qzeros.data(), zeros2.data());
        QVERIFY(codes == codes2);
        QVERIFY(zeros == zeros2);
        for (int i = 0; i < 50; ++i) {
            const std::int64_t n = rng() % rows, k = rng() % cols;
            QCOMPARE(gptqCode(s, qweight.data(), n, k), int(codes[n * cols + k]));
        }
        // Padding inputs hold code 0.
        for (std::int64_t n = 0; n < rows; ++n)
            for (std::int64_t k = cols; k < s.paddedCols(); ++k)
                QCOMPARE(gptqCode(s, qweight.data(), n, k), 0);
    }

    void matchesAutoGptq_data()
    {
        QTest::addColumn<int>("bits");
        for (int bits : {2, 3, 4, 8})
            QTest::newRow(qPrintable(QStringLiteral("%1 bits").arg(bits))) << bits;
    }

    // Known answer: the words AutoGPTQ's loop writes, for weights and (zero - 1) along outputs.
    void matchesAutoGptq()
    {
        QFETCH(int, bits);
        const int rows = 64, cols = 128, groupSize = 32;
        const GptqShape s{rows, cols, bits, groupSize};
        std::mt19937 rng(42 + bits);
        const int maxq = (1 << bits) - 1;
        std::vector<std::uint8_t> codes(rows * cols), zeros(rows * s.groups());
        for (auto &c : codes)
            c = std::uint8_t(rng() % (maxq + 1));
        for (auto &z : zeros)
            z = std::uint8_t(1 + rng() % maxq); // AutoGPTQ cannot store a zero of 0
        std::vector<std::int32_t> qweight(s.qweightWords()), qzeros(s.qzerosWords());
        gptqPackWeights(s, codes.data(), qweight.data());
        gptqPackZeros(s, zeros.data(), qzeros.data());
        QCOMPARE(s.qweightRows(), std::int64_t(cols / 32 * bits));
        for (int n = 0; n < rows; ++n) {
            std::vector<std::uint32_t> column(cols);
            for (int k = 0; k < cols; ++k)
                column[k] = codes[n * cols + k];
            const auto expected = autoGptqColumn(column, bits);
            for (std::size_t r = 0; r < expected.size(); ++r)
                QCOMPARE(std::uint32_t(qweight[r * rows + n]), expected[r]);
        }
        for (std::int64_t g = 0; g < s.groups(); ++g) {
            std::vector<std::uint32_t> zrow(rows);
            for (int n = 0; n < rows; ++n)
                zrow[n] = zeros[n * s.groups() + g] - 1u;
            const auto expected = autoGptqColumn(zrow, bits);
            QCOMPARE(std::int64_t(expected.size()), s.qzerosCols());
            for (std::size_t c = 0; c < expected.size(); ++c)
                QCOMPARE(std::uint32_t(qzeros[g * s.qzerosCols() + c]), expected[c]);
        }
    }

    void scalesAndOrder()
    {
        const GptqShape s{3, 64, 4, 32};
        const std::vector<float> scales{1.0f, 0.5f, 0.1f, 3.0f, 1e-3f, 65504.0f};
        std::vector<fp16_t> packed(6);
        gptqPackScales(s, scales.data(), packed.data());
        // [rows][groups] -> [groups][rows]
        QCOMPARE(fp16ToFp32(packed[0]), 1.0f);
        QCOMPARE(packed[1], fp16_t(0x2e66)); // 0.1 rounded to half
        QCOMPARE(fp16ToFp32(packed[2]), fp16ToFp32(fp16_t(0x1419))); // 1e-3
        QCOMPARE(fp16ToFp32(packed[3]), 0.5f);
        QCOMPARE(fp16ToFp32(packed[5]), 65504.0f);

        std::vector<std::int32_t> trivial(64), actOrder(64);
        for (int k = 0; k < 64; ++k) {
            trivial[k] = k / 32;
            actOrder[k] = (k % 2); // even columns in group 0, odd in group 1
        }
        QVERIFY(gptqGroupOrder(s, trivial.data()).empty());
        const auto order = gptqGroupOrder(s, actOrder.data());
        QCOMPARE(int(order.size()), 64);
        for (int k = 0; k < 32; ++k) {
            QCOMPARE(order[k], 2 * k);
            QCOMPARE(order[32 + k], 2 * k + 1);
        }
        std::vector<std::uint8_t> codes(3 * 64);
        for (std::size_t i = 0; i < codes.size(); ++i)
            codes[i] = std::uint8_t(i % 16);
        std::vector<std::int32_t> q(s.qweightWords()), p(s.qweightWords());
        gptqPackWeights(s, codes.data(), q.data());
        gptqPermuteInputs(s, q.data(), order, p.data());
        for (int n = 0; n < 3; ++n)
            for (int k = 0; k < 64; ++k)
                QCOMPARE(gptqCode(s, p.data(), n, k), int(codes[n * 64 + order[k]]));
    }
};

QTEST_GUILESS_MAIN(TestGptqPack)
#include "tst_gptqpack.moc"
