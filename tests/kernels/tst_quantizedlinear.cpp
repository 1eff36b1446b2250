// The runtime on the kernels: QuantizedLinear keeps only GPTQ v1 packed weights and computes
// with kernels::matmul (checked against the dense dequantized weight by NMSE for every
// bit-width, per-channel and grouped, symmetric, act-order, AWQ input scales, bias, 1..64 rows);
// quantized checkpoint folders (format 2) are used in place from the mapping, reload with
// identical logits, and format-1 folders still load.
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/quant/quantized_linear_impl.h"
#include "core/quant/rtn.h"
#include "core/util/error.h"
#include "core/util/atomic_file.h"
#include "kernels/row_codes.h"
#include "tests/kernels/rtn_model.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <list>
#include <numeric>
#include <fstream>
#include <random>

using namespace lieq;
namespace fs = std::filesystem;

namespace {

QuantizedTensor randomTensor(std::int64_t rows, std::int64_t cols, int bits, int groupSize,
                             bool sym, bool actOrder, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, 0.05f);
    std::vector<float> w(std::size_t(rows * cols));
    for (float &v : w)
        v = n(rng);
    QuantizedTensor q = quantizeRtn(MatrixView{w.data(), rows, cols}, QuantConfig{bits, groupSize, sym});
    if (actOrder) {
        // A GPTQ act-order assignment: groups by the position in a random processing order.
        std::vector<std::int32_t> perm(static_cast<std::size_t>(cols));
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng);
        for (std::int64_t p = 0; p < cols; ++p)
            q.gIdx[perm[p]] = std::int32_t(p / groupSize);
        q.perm = perm;
    }
    return q;
}

double nmse(const torch::Tensor &a, const torch::Tensor &b)
{
    return ((a - b).pow(2).sum() / b.pow(2).sum()).item<double>();
}

// Whether `p` lies in a mapping of `file` (from /proc/self/maps): the zero-copy check.
bool inMappingOf(const void *p, const std::string &file)
{
    std::ifstream maps("/proc/self/maps");
    const std::string target = fs::canonical(file).string();
    std::string line;
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    while (std::getline(maps, line)) {
        if (line.find(target) == std::string::npos)
            continue;
        const std::uintptr_t lo = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
        const std::uintptr_t hi = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
        if (addr >= lo && addr < hi)
            return true;
    }
    return false;
}

// A tiny model whose linears are RTN-quantized QuantizedLinears (no pipeline needed).
std::unique_ptr<Model> quantizedTinyModel(const std::string &dir, int bits, int groupSize)
{
    auto model = Model::load(dir);
    test::quantizeLinearsRtn(*model, std::vector<int>(std::size_t(model->decoder().numLayers()), bits), groupSize);
    return model;
}

} // namespace

class TestQuantizedLinear : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void forwardMatchesDense_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("groupSize");
        QTest::addColumn<bool>("sym");
        QTest::addColumn<bool>("actOrder");
        QTest::addColumn<bool>("awq");
        QTest::addColumn<int>("tokens");
        for (int bits : {2, 3, 4, 8})
            for (auto [rows, cols, g, sym, act, awq] :
                 {std::tuple{64, 128, 32, false, false, false}, std::tuple{48, 96, -1, false, false, false},
                  std::tuple{40, 256, 128, true, false, false}, std::tuple{72, 256, 64, false, true, false},
                  std::tuple{24, 172, 172, false, false, true}, std::tuple{16, 100, 50, false, false, false}})
                for (int tokens : {1, 7, 64})
                    QTest::newRow(qPrintable(QStringLiteral("b%1 %2x%3 g%4%5%6%7 t%8").arg(bits).arg(rows).arg(cols).arg(g)
                                                 .arg(sym ? " sym" : "").arg(act ? " act" : "").arg(awq ? " awq" : "").arg(tokens)))
                        << bits << rows << cols << g << sym << act << awq << tokens;
    }

    void forwardMatchesDense()
    {
        QFETCH(int, bits);
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, groupSize);
        QFETCH(bool, sym);
        QFETCH(bool, actOrder);
        QFETCH(bool, awq);
        QFETCH(int, tokens);
        torch::NoGradGuard ng;
        const QuantizedTensor q = randomTensor(rows, cols, bits, groupSize, sym, actOrder, std::uint32_t(bits + rows));
        std::vector<float> scales;
        if (awq)
            for (int c = 0; c < cols; ++c)
                scales.push_back(0.5f + 0.01f * float(c % 97));
        const torch::Tensor bias = torch::randn({rows});
        const QuantizedLinear op(q, bias, scales);
        QCOMPARE(op.kind().find("-act") != std::string::npos, actOrder);
        const torch::Tensor x = torch::randn({tokens, cols});
        const torch::Tensor y = op.forward(x);
        const torch::Tensor ref = torch::nn::functional::linear(x, op.denseWeight(), bias);
        // int8 activations per 32 inputs (the kernels' Q8): NMSE about 3e-5.
        const double e = nmse(y, ref);
        QVERIFY2(e < 3e-4, qPrintable(QStringLiteral("NMSE %1").arg(e)));
        // [B, T, in] inputs give the same rows.
        const torch::Tensor y3 = op.forward(x.reshape({1, tokens, cols}));
        QVERIFY(torch::equal(y3.reshape({tokens, rows}), y));
        // Row by row through forwardRow (the decode step's raw path): forward's values (the
        // same GEMV for one token; the GEMM's rows otherwise).
        const torch::Tensor xc = x.contiguous();
        std::vector<float> row(static_cast<std::size_t>(rows));
        for (int t = 0; t < tokens; ++t) {
            QVERIFY(op.forwardRow(xc[t].data_ptr<float>(), row.data()));
            const torch::Tensor got = torch::from_blob(row.data(), {rows}, torch::kFloat32);
            if (tokens == 1)
                QVERIFY(torch::equal(got, y[t]));
            else
                QVERIFY2(nmse(got, y[t]) < 1e-12, qPrintable(QStringLiteral("row %1: NMSE %2").arg(t).arg(nmse(got, y[t]))));
        }
        // Nothing dense is kept, and the packed form is all the weight memory.
        QVERIFY(!op.cached());
        const std::int64_t packed = op.packed().bytes();
        QVERIFY(op.residentBytes() <= (actOrder ? 2 : 1) * packed + 4 * cols);
        QVERIFY(packed < std::int64_t(rows) * cols * (bits + 1) / 8 + 64 * rows + 4 * cols);
    }

    void packUnpack()
    {
        for (int bits : {2, 3, 4, 8}) {
            const QuantizedTensor q = randomTensor(33, 250, bits, 64, bits == 3, bits == 4, 9);
            const QuantizedTensor back = unpackQuantizedTensor(packQuantizedTensor(q));
            QVERIFY(back.codes == q.codes);
            QVERIFY(back.zeros == q.zeros);
            QVERIFY(back.gIdx == q.gIdx);
            QCOMPARE(back.numGroups, q.numGroups);
            for (std::size_t i = 0; i < q.scales.size(); ++i)
                QCOMPARE(back.scales[i], kernels::fp16ToFp32(kernels::fp32ToFp16(q.scales[i])));
            // denseWeight is exactly the dequantized unpacked tensor.
            const QuantizedLinear op(q);
            const std::vector<float> ref = dequantize(back);
            QVERIFY(std::memcmp(op.denseWeight().contiguous().data_ptr<float>(), ref.data(),
                                ref.size() * sizeof(float)) == 0);
        }
    }

    void checkpointMappedAndReloaded_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("groupSize");
        QTest::newRow("4-bit g32") << 4 << 32;
        QTest::newRow("3-bit per-channel") << 3 << -1;
        QTest::newRow("2-bit g64") << 2 << 64;
    }

    // Save -> load: identical logits (both run the same packed kernels), weights used in place.
    void checkpointMappedAndReloaded()
    {
        QFETCH(int, bits);
        QFETCH(int, groupSize);
        QTemporaryDir tmp;
        test::TinyModelSpec spec;
        spec.arch = "qwen3";
        spec.hidden = 128;
        spec.intermediate = 256;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString(), spec);
        const std::string out = tmp.filePath(QStringLiteral("q")).toStdString();
        const std::vector<std::int32_t> ids{1, 5, 9, 2, 7, 3, 11, 4};
        std::vector<float> before;
        {
            auto model = quantizedTinyModel(dir, bits, groupSize);
            before = model->logits(ids);
            saveQuantizedCheckpoint(*model, alloc::BitPlan{}, PipelineSettings{}, out);
        }
        auto reloaded = loadQuantizedModel(out);
        QVERIFY(reloaded->logits(ids) == before);
        std::int64_t packedBytes = 0;
        for (int l = 0; l < reloaded->decoder().numLayers(); ++l) {
            auto layer = reloaded->decoder().acquireLayer(l);
            for (Projection p : kAllProjections) {
                auto q = std::dynamic_pointer_cast<const QuantizedLinear>(layer->linears[std::size_t(p)]);
                QVERIFY(q);
                QVERIFY2(inMappingOf(q->packed().qweight, out + "/model.safetensors"), "qweight was copied");
                QVERIFY(inMappingOf(q->packed().scales, out + "/model.safetensors"));
                packedBytes += q->residentBytes();
            }
        }
        // The file holds exactly these packed tensors (plus g_idx, floats and the header).
        QVERIFY(packedBytes < std::int64_t(fs::file_size(out + "/model.safetensors")));
    }

    // Folders written before format 2 (codes U8 along rows, F32 scales, U8 zeros) still load.
    void formatOneStillLoads()
    {
        QTemporaryDir tmp;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString());
        const std::string out = tmp.filePath(QStringLiteral("q")).toStdString();
        const std::vector<std::int32_t> ids{3, 1, 4, 1, 5};
        std::vector<float> before;
        {
            auto model = quantizedTinyModel(dir, 4, 32);
            before = model->logits(ids);
            saveQuantizedCheckpoint(*model, alloc::BitPlan{}, PipelineSettings{}, out);
        }
        // Rewrite every module in the old layout.
        nlohmann::json cfg = nlohmann::json::parse(readFile(out + "/" + kQuantConfigFile));
        std::list<std::vector<std::uint8_t>> keep;
        std::vector<TensorToWrite> tensors;
        {
            Checkpoint ck(out);
            auto add = [&](const std::string &name, DType t, std::vector<std::int64_t> shape, std::vector<std::uint8_t> bytes) {
                keep.push_back(std::move(bytes));
                tensors.push_back({name, t, std::move(shape), reinterpret_cast<const std::byte *>(keep.back().data()), keep.back().size()});
            };
            for (const std::string &name : ck.tensorNames()) {
                const std::string stem = name.substr(0, name.rfind('.'));
                if (!cfg["modules"].contains(stem)) {
                    const TensorView &v = ck.tensor(name);
                    add(name, v.dtype, v.shape, std::vector<std::uint8_t>(reinterpret_cast<const std::uint8_t *>(v.data), reinterpret_cast<const std::uint8_t *>(v.data) + v.nbytes));
                    continue;
                }
                if (name != stem + ".qweight")
                    continue;
                auto model = loadQuantizedModel(out);
                const auto &m = cfg["modules"][stem];
                auto op = std::dynamic_pointer_cast<const QuantizedLinear>(
                    model->decoder().acquireLayer(m["layer"].get<int>())->linears[std::size_t(*projectionFromName(m["projection"].get<std::string>()))]);
                const QuantizedTensor q = op->tensor();
                std::vector<std::uint8_t> codes(std::size_t(q.rows * kernels::rowCodesBytes(q.cols, q.bits)));
                kernels::packRowCodes(q.codes.data(), q.rows, q.cols, q.bits, codes.data());
                add(stem + ".qcodes", DType::U8, {q.rows, kernels::rowCodesBytes(q.cols, q.bits)}, codes);
                std::vector<std::uint8_t> s(q.scales.size() * 4), g(q.gIdx.size() * 4);
                std::memcpy(s.data(), q.scales.data(), s.size());
                std::memcpy(g.data(), q.gIdx.data(), g.size());
                add(stem + ".scales", DType::F32, {q.rows, q.numGroups}, s);
                add(stem + ".qzeros", DType::U8, {q.rows, q.numGroups}, q.zeros);
                add(stem + ".g_idx", DType::I32, {q.cols}, g);
            }
            writeSafetensors(out + "/model.safetensors.new", tensors, {{"format", "pt"}});
        }
        fs::rename(out + "/model.safetensors.new", out + "/model.safetensors");
        cfg["format_version"] = 1;
        writeFileAtomic(out + "/" + kQuantConfigFile, cfg.dump(2));
        auto reloaded = loadQuantizedModel(out);
        QVERIFY(reloaded->logits(ids) == before);
    }

    void corruptScaleNamesModule()
    {
        QTemporaryDir tmp;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("m")).toStdString());
        const std::string out = tmp.filePath(QStringLiteral("q")).toStdString();
        {
            auto model = quantizedTinyModel(dir, 4, 32);
            saveQuantizedCheckpoint(*model, alloc::BitPlan{}, PipelineSettings{}, out);
        }
        const std::string name = "model.layers.1.mlp.up_proj.scales";
        std::size_t offset;
        {
            Checkpoint ck(out);
            offset = ck.tensor(name).fileOffset;
        }
        std::fstream f(out + "/model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(std::streamoff(offset + 6));
        f.write("\xff\x7f", 2); // a NaN scale
        f.close();
        try {
            loadQuantizedModel(out);
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QString::fromStdString(name)), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestQuantizedLinear)
#include "tst_quantizedlinear.moc"
