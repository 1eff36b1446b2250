// Known-answer tests of the ggml block formats against llama.cpp itself (libggml-base.so of npm
// node-llama-cpp, dlopened): the same rows quantized by both must give the same bytes, and
// both dequantizers the same floats.
#include "kernels/fp16.h"
#include "kernels/ggml_blocks.h"
#include "kernels/type_traits.h"
#include "tests/kernels/ggml_reference.h"
#include "tests/kernels/test_data.h"

#include <QTest>

#include <cstring>
#include <random>

using namespace lieq::kernels;

class TestGgmlBlocks : public QObject
{
    Q_OBJECT

private:
    lieq::test::GgmlReference m_ggml;

    void requireGgml()
    {
        if (!m_ggml.loaded())
            QSKIP(m_ggml.whyNot().c_str());
    }

private Q_SLOTS:
    void fp16MatchesGgml()
    {
        requireGgml();
        auto ref = m_ggml.fp32ToFp16Row();
        QVERIFY(ref);
        std::mt19937 rng(7);
        std::vector<float> v;
        // Random bit patterns (every exponent), the boundaries of rounding, subnormals, overflow.
        for (int i = 0; i < 200000; ++i) {
            std::uint32_t bits = rng();
            float f;
            std::memcpy(&f, &bits, 4);
            if (!std::isnan(f))
                v.push_back(f);
        }
        for (float f : {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, 1e9f, -1e9f, 5.9604645e-8f,
                        2.9802322e-8f, 2.9802326e-8f, 6.1035156e-5f, 6.1035152e-5f,
                        std::numeric_limits<float>::infinity(), 1.0009765625f, 1.00048828125f,
                        1.000732421875f})
            v.push_back(f);
        std::vector<std::uint16_t> theirs(v.size());
        ref(v.data(), theirs.data(), std::int64_t(v.size()));
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (fp32ToFp16(v[i]) != theirs[i])
                QFAIL(qPrintable(QStringLiteral("fp32ToFp16(%1) = %2, ggml %3")
                                     .arg(double(v[i]), 0, 'g', 9)
                                     .arg(fp32ToFp16(v[i]), 0, 16)
                                     .arg(theirs[i], 0, 16)));
            const float back = fp16ToFp32(theirs[i]);
            const std::uint16_t again = fp32ToFp16(back);
            QCOMPARE(again, theirs[i]); // every half converts to a float and back exactly
        }
    }

    void bf16MatchesGgml()
    {
        requireGgml();
        auto ref = m_ggml.fp32ToBf16Row();
        QVERIFY(ref);
        std::mt19937 rng(11);
        std::vector<float> v;
        for (int i = 0; i < 200000; ++i) {
            std::uint32_t bits = rng();
            float f;
            std::memcpy(&f, &bits, 4);
            v.push_back(f); // NaNs included: both keep them NaN
        }
        std::vector<std::uint16_t> theirs(v.size());
        ref(v.data(), theirs.data(), std::int64_t(v.size()));
        for (std::size_t i = 0; i < v.size(); ++i) {
            QCOMPARE(fp32ToBf16(v[i]), theirs[i]);
            if (!std::isnan(v[i]))
                QCOMPARE(fp32ToBf16(bf16ToFp32(theirs[i])), theirs[i]);
        }
    }

    void quantizeRows_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("distribution");
        for (const char *t : {"q4_0", "q8_0", "q2_K", "q3_K", "q4_K", "q6_K", "q8_K"})
            for (const std::string &d : lieq::test::kernelTestDistributions())
                QTest::newRow((std::string(t) + "/" + d).c_str())
                    << QString::fromLatin1(t) << QString::fromStdString(d);
    }

    // One long row (many blocks) through quantize_row_*_ref and dequantize_row_* of both.
    void quantizeRows()
    {
        requireGgml();
        QFETCH(QString, type);
        QFETCH(QString, distribution);
        const TypeTraits &t = typeTraits(*typeFromName(type.toStdString()));
        const std::int64_t n = 16 * 256;
        const auto x = lieq::test::kernelTestValues(distribution.toStdString(), n, 1234);
        auto quantize = m_ggml.quantizeRow(t.name);
        auto dequantize = m_ggml.dequantizeRow(t.name);
        QVERIFY2(quantize && dequantize, "libggml-base lacks the row functions");

        const std::int64_t bytes = rowBytes(t.type, n);
        std::vector<std::uint8_t> ours(bytes, 0xAA), theirs(bytes, 0x55);
        t.fromFloatRef(x.data(), ours.data(), n);
        quantize(x.data(), theirs.data(), n);
        if (t.type == QuantType::Q8_K) {
            // ggml leaves bsums unwritten for an all-zero block (ours are zeros): compare the
            // rest of such blocks.
            auto *o = reinterpret_cast<BlockQ8K *>(ours.data());
            auto *r = reinterpret_cast<BlockQ8K *>(theirs.data());
            for (std::int64_t b = 0; b < n / kQKK; ++b)
                if (r[b].d == 0.0f)
                    std::memcpy(r[b].bsums, o[b].bsums, sizeof r[b].bsums);
        }
        for (std::int64_t i = 0; i < bytes; ++i)
            if (ours[i] != theirs[i])
                QFAIL(qPrintable(QStringLiteral("byte %1 (block %2, offset %3) differs: ours %4, "
                                                "llama.cpp %5")
                                     .arg(i).arg(i / t.bytesPerBlock).arg(i % t.bytesPerBlock)
                                     .arg(ours[i]).arg(theirs[i])));

        std::vector<float> ourValues(n), theirValues(n);
        t.toFloat(theirs.data(), ourValues.data(), n);
        dequantize(theirs.data(), theirValues.data(), n);
        QVERIFY(std::memcmp(ourValues.data(), theirValues.data(), n * sizeof(float)) == 0);
    }

    void quantizeChunk_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        for (const char *t : {"q4_0", "q8_0", "q2_K", "q3_K", "q4_K", "q6_K"})
            for (auto [rows, cols] : {std::pair{3, 256}, std::pair{5, 1024}, std::pair{2, 2816}})
                QTest::newRow(qPrintable(QStringLiteral("%1/%2x%3").arg(QLatin1String(t)).arg(rows).arg(cols)))
                    << QString::fromLatin1(t) << rows << cols;
    }

    // ggml_quantize_chunk: what llama_model_quantize calls per tensor without an imatrix.
    void quantizeChunk()
    {
        requireGgml();
        QFETCH(QString, type);
        QFETCH(int, rows);
        QFETCH(int, cols);
        const TypeTraits &t = typeTraits(*typeFromName(type.toStdString()));
        const auto x = lieq::test::kernelTestValues("mixed", std::int64_t(rows) * cols, 99);
        const std::int64_t rb = rowBytes(t.type, cols);
        std::vector<std::uint8_t> ours(rb * rows), theirs(rb * rows);
        for (int r = 0; r < rows; ++r)
            t.fromFloatRef(x.data() + std::int64_t(r) * cols, ours.data() + r * rb, cols);
        const std::size_t written =
            m_ggml.quantizeChunk()(t.ggmlType, x.data(), theirs.data(), 0, rows, cols, nullptr);
        QCOMPARE(std::int64_t(written), rb * rows);
        QVERIFY(ours == theirs);
    }
};

QTEST_GUILESS_MAIN(TestGgmlBlocks)
#include "tst_ggmlblocks.moc"
