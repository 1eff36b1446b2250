// The sequential quantization pipeline on generated tiny checkpoints (and stories260K with
// WikiText-2 when ../shared is present): 8-bit near-lossless, GPTQ vs RTN at 4 bits, error
// propagation through quantized layer outputs, cancel, save/reload and corrupted folders.
#include "core/alloc/bit_plan.h"
#include "core/data/corpus.h"
#include "core/data/token_windows.h"
#include "core/eval/kl_divergence.h"
#include "core/model/decoder_impl.h"
#include "core/model/model.h"
#include "core/quant/pipeline.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

using namespace lieq;
namespace fs = std::filesystem;

namespace {

test::TinyModelSpec tinySpec(DType dtype = DType::F32)
{
    test::TinyModelSpec s;
    s.dtype = dtype;
    s.hidden = 64;
    s.intermediate = 96;
    s.layers = 3;
    s.heads = 4;
    s.kvHeads = 2;
    s.seed = 7;
    return s;
}

std::vector<std::int32_t> randomIds(std::int64_t n, std::int64_t vocab, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
    for (auto &v : ids)
        v = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(vocab));
    return ids;
}

CalibrationSet randomCalibration(const Model &m, std::int64_t count, std::int64_t seqlen,
                                 std::uint64_t seed)
{
    return {randomIds(count * seqlen, m.config().vocabSize, seed), count, seqlen, {}};
}

double pplOf(Model &m, const std::vector<std::int32_t> &ids, std::int64_t seqlen)
{
    const std::vector<double> nll = m.windowNll(ids, seqlen);
    double s = 0;
    for (double v : nll)
        s += v;
    return std::exp(s / double(nll.size() * (seqlen - 1)));
}

PipelineSettings settingsFor(const QString &method, int group = 32)
{
    PipelineSettings s;
    s.method = quantMethodFromName(method.toStdString());
    s.groupSize = group;
    s.moduleErrors = 1; // the tests compare the backends' module errors, RTN's too
    return s;
}

float maxAbsDiff(const std::vector<float> &a, const std::vector<float> &b)
{
    float d = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        d = std::max(d, std::abs(a[i] - b[i]));
    return d;
}

} // namespace

class TestPipeline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setComputeThreads(0); }

    void eightBitNearLossless_data()
    {
        QTest::addColumn<QString>("method");
        QTest::newRow("rtn") << QStringLiteral("rtn");
        QTest::newRow("gptq") << QStringLiteral("gptq");
        QTest::newRow("awq") << QStringLiteral("awq");
    }
    void eightBitNearLossless()
    {
        QFETCH(QString, method);
        QTemporaryDir tmp;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(),
                                                          tinySpec(DType::BF16));
        auto model = Model::load(dir);
        const auto evalIds = randomIds(4 * 48, model->config().vocabSize, 99);
        const double fp = pplOf(*model, evalIds, 48);
        const PipelineResult r = quantizeModel(*model, uniformPlan(*model, 8),
                                               randomCalibration(*model, 4, 48, 1),
                                               settingsFor(method));
        QCOMPARE(r.modules.size(), std::size_t(21));
        QCOMPARE(r.nominalBits, 8.0);
        for (const ModuleReport &m : r.modules) {
            QCOMPARE(m.bits, 8);
            // For AWQ this includes up_proj, whose rows carry 1/s of the up -> down pair: the
            // error is measured with s put back, so the deliberate scaling does not count.
            QVERIFY2(m.relativeError < 1e-3,
                     qPrintable(QStringLiteral("%1 layer %2: %3")
                                    .arg(QString::fromUtf8(projectionModuleName(m.projection).data()))
                                    .arg(m.layer)
                                    .arg(m.relativeError)));
        }
        const double q = pplOf(*model, evalIds, 48);
        QVERIFY2(std::abs(q / fp - 1) < 0.01, qPrintable(QStringLiteral("fp %1 q %2").arg(fp).arg(q)));
        QVERIFY(q != fp); // the weights really changed
    }

    // Every method gives the same modules and the same reports at one, two and three threads:
    // GPTQ (groups side by side, shared factor, bands; plain and act-order), RTN (modules side
    // by side), AWQ; widths where every split of the pipeline engages.
    void sameAtAnyThreadCount_data()
    {
        // A method; gptq with act-order; rtn on a streamed model (layer by layer in turn).
        QTest::addColumn<QString>("run");
        for (const char *run : {"gptq", "gptq-act-order", "rtn", "rtn-streamed", "awq"})
            QTest::newRow(run) << QString::fromLatin1(run);
    }
    void sameAtAnyThreadCount()
    {
        QFETCH(QString, run);
        const bool actOrder = run == QStringLiteral("gptq-act-order");
        const bool streamed = run == QStringLiteral("rtn-streamed");
        QTemporaryDir tmp;
        test::TinyModelSpec spec = tinySpec(DType::BF16);
        spec.hidden = 256;
        spec.intermediate = 640;
        spec.layers = 2;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(), spec);
        PipelineSettings s = settingsFor(actOrder ? QStringLiteral("gptq")
                                                  : streamed ? QStringLiteral("rtn") : run);
        s.actOrder = actOrder;
        constexpr int kCounts = 3;
        std::vector<std::vector<float>> weights[kCounts];
        std::vector<ModuleReport> reports[kCounts];
        for (int t = 1; t <= kCounts; ++t) {
            setComputeThreads(t);
            auto model = Model::load(dir, {.residentBudgetBytes = streamed ? 0 : -1});
            QCOMPARE(model->isResident(), !streamed);
            const PipelineResult r = quantizeModel(*model, uniformPlan(*model, 4),
                                                   randomCalibration(*model, 4, 64, 3), s);
            reports[t - 1] = r.modules;
            for (int l = 0; l < spec.layers; ++l)
                for (Projection p : kAllProjections) {
                    const torch::Tensor w = model->decoder().acquireLayer(l)->linear(p).denseWeight()
                                                .to(torch::kFloat32).contiguous();
                    weights[t - 1].emplace_back(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
                }
        }
        setComputeThreads(0);
        QCOMPARE(reports[0].size(), std::size_t(7 * spec.layers));
        for (int t = 1; t < kCounts; ++t) {
            QCOMPARE(reports[t].size(), reports[0].size());
            for (std::size_t i = 0; i < reports[0].size(); ++i) {
                const ModuleReport &a = reports[0][i], &b = reports[t][i];
                QCOMPARE(b.layer, a.layer);
                QCOMPARE(b.projection, a.projection);
                QCOMPARE(b.kind, a.kind);
                // NaN (RTN without module errors) compares equal to itself here.
                for (auto [x, y] : {std::pair{a.backendLoss, b.backendLoss},
                                    std::pair{a.outputError, b.outputError},
                                    std::pair{a.relativeError, b.relativeError},
                                    std::pair{a.awqAlpha, b.awqAlpha}})
                    QVERIFY2((std::isnan(x) && std::isnan(y)) || x == y,
                             qPrintable(QStringLiteral("%1 threads, module %2: %3 vs %4")
                                            .arg(t + 1).arg(i).arg(y).arg(x)));
            }
            QCOMPARE(weights[t].size(), weights[0].size());
            for (std::size_t i = 0; i < weights[0].size(); ++i)
                QCOMPARE(maxAbsDiff(weights[t][i], weights[0][i]), 0.0f);
        }
    }

private Q_SLOTS:
    // Layer l+1 is calibrated on quantized layer l's outputs (or on float ones when asked).
    void sequentialPropagation_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<bool>("propagate");
        QTest::newRow("gptq-quantized") << QStringLiteral("gptq") << true;
        QTest::newRow("rtn-quantized") << QStringLiteral("rtn") << true;
        QTest::newRow("awq-quantized") << QStringLiteral("awq") << true;
        QTest::newRow("gptq-float") << QStringLiteral("gptq") << false;
    }
    void sequentialPropagation()
    {
        QFETCH(QString, method);
        QFETCH(bool, propagate);
        QTemporaryDir tmp;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(),
                                                          tinySpec());
        auto model = Model::load(dir);
        auto reference = Model::load(dir);
        const CalibrationSet calib = randomCalibration(*model, 3, 40, 5);
        std::map<int, std::vector<float>> seen;
        PipelineObserver obs;
        obs.onLayerInput = [&](int l, const std::vector<float> &h) { seen[l] = h; };
        PipelineSettings s = settingsFor(method);
        s.propagateQuantized = propagate;
        quantizeModel(*model, uniformPlan(*model, 2), calib, s, {}, obs);
        QCOMPARE(int(seen.size()), 3);

        torch::NoGradGuard ng;
        torch::Tensor ids = torch::empty({3, 40}, torch::kLong);
        std::copy(calib.ids.begin(), calib.ids.end(), ids.data_ptr<std::int64_t>());
        for (int l = 1; l < 3; ++l) {
            const torch::Tensor observed =
                torch::from_blob(seen[l].data(), {3, 40, 64}, torch::kFloat32);
            const torch::Tensor quantHidden = model->decoder().runLayers(
                model->decoder().embed(ids), 0, l);
            const torch::Tensor floatHidden = reference->decoder().runLayers(
                reference->decoder().embed(ids), 0, l);
            const double dq = (observed - quantHidden).abs().max().item<double>();
            const double df = (observed - floatHidden).abs().max().item<double>();
            if (propagate) {
                QVERIFY2(dq < 1e-4, qPrintable(QString::number(dq)));
                QVERIFY2(df > 1e-2, qPrintable(QString::number(df))); // 2-bit layers differ
            } else {
                QVERIFY2(df < 1e-4, qPrintable(QString::number(df)));
                QVERIFY2(dq > 1e-2, qPrintable(QString::number(dq)));
            }
        }
    }

    // In layer 0 every method sees the same (embedding) inputs: GPTQ's output error on them is
    // at most RTN's for q, k and v.
    void gptqNotWorseThanRtnOnSharedInputs()
    {
        QTemporaryDir tmp;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(),
                                                          tinySpec());
        std::map<QString, PipelineResult> r;
        for (const QString &m : {QStringLiteral("rtn"), QStringLiteral("gptq")}) {
            auto model = Model::load(dir);
            r[m] = quantizeModel(*model, uniformPlan(*model, 3), randomCalibration(*model, 4, 64, 3),
                                 settingsFor(m));
        }
        for (int i = 0; i < 3; ++i)
            QVERIFY2(r[QStringLiteral("gptq")].modules[i].outputError <=
                         r[QStringLiteral("rtn")].modules[i].outputError,
                     projectionModuleName(r[QStringLiteral("rtn")].modules[i].projection).data());
    }

    // RTN without module errors runs no forward at all, yet installs exactly the weights it
    // installs when errors are measured (they never change the weights); GPTQ still measures.
    void rtnWithoutModuleErrorsNeedsNoForward()
    {
        QTemporaryDir tmp;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(),
                                                          tinySpec());
        std::vector<double> ppl;
        for (int errors : {1, -1}) {
            auto model = Model::load(dir);
            PipelineSettings s = settingsFor(QStringLiteral("rtn"));
            s.moduleErrors = errors;
            const PipelineResult r = quantizeModel(*model, uniformPlan(*model, 3),
                                                   randomCalibration(*model, 4, 64, 3), s);
            QCOMPARE(r.modules.size(), std::size_t(21));
            for (const ModuleReport &m : r.modules)
                QCOMPARE(std::isnan(m.outputError), errors < 0);
            QCOMPARE(r.layerForwards, errors < 0 ? std::int64_t(0) : r.layerForwards);
            QVERIFY(errors < 0 || r.layerForwards > 0);
            ppl.push_back(pplOf(*model, randomIds(2 * 48, model->config().vocabSize, 5), 48));
        }
        QCOMPARE(ppl[0], ppl[1]);
        PipelineSettings g = settingsFor(QStringLiteral("gptq"));
        g.moduleErrors = -1;
        QVERIFY(g.wantsModuleErrors());
        g.moduleErrors = 0;
        QVERIFY(!g.wantsModuleErrors());
    }

    void mixedPlanKeepsSixteenBitLayers()
    {
        QTemporaryDir tmp;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(),
                                                          tinySpec());
        auto model = Model::load(dir);
        alloc::BitPlan plan = uniformPlan(*model, 4);
        plan.units[1].bits = 16;
        plan.units[2].bits = 2;
        const PipelineResult r =
            quantizeModel(*model, plan, randomCalibration(*model, 2, 32, 1), settingsFor("gptq"));
        for (const ModuleReport &m : r.modules) {
            QCOMPARE(m.bits, m.layer == 0 ? 4 : m.layer == 1 ? 16 : 2);
            QCOMPARE(QString::fromStdString(m.kind).startsWith(QLatin1String("dense")), m.layer == 1);
        }
        QVERIFY(std::abs(r.nominalBits - (4 + 16 + 2) / 3.0) < 1e-9);
    }

    void saveReloadIdenticalLogits_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("actOrder");
        QTest::addColumn<bool>("bf16");
        QTest::newRow("rtn-4") << QStringLiteral("rtn") << 4 << false << false;
        QTest::newRow("gptq-2-bf16") << QStringLiteral("gptq") << 2 << false << true;
        QTest::newRow("gptq-3-act-order") << QStringLiteral("gptq") << 3 << true << false;
        QTest::newRow("awq-4") << QStringLiteral("awq") << 4 << false << false;
    }
    void saveReloadIdenticalLogits()
    {
        QFETCH(QString, method);
        QFETCH(int, bits);
        QFETCH(bool, actOrder);
        QFETCH(bool, bf16);
        QTemporaryDir tmp;
        test::TinyModelSpec spec = tinySpec(bf16 ? DType::BF16 : DType::F32);
        spec.attentionBias = true;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(), spec);
        auto model = Model::load(dir);
        alloc::BitPlan plan = uniformPlan(*model, bits);
        plan.units[1].bits = 16; // a float layer travels too
        PipelineSettings s = settingsFor(method);
        s.actOrder = actOrder;
        quantizeModel(*model, plan, randomCalibration(*model, 2, 32, 1), s);
        const auto ids = randomIds(24, model->config().vocabSize, 4);
        const std::vector<float> before = model->logits(ids);
        const std::string out = tmp.filePath("q").toStdString();
        const SavedCheckpoint saved = saveQuantizedCheckpoint(*model, plan, s, out);
        QCOMPARE(saved.quantizedModules, 14);
        QVERIFY(isQuantizedCheckpoint(out));
        QVERIFY(fs::exists(out + "/tokenizer.json"));
        auto reloaded = loadAnyModel(out);
        const std::vector<float> after = reloaded->logits(ids);
        QCOMPARE(after.size(), before.size());
        const float d = maxAbsDiff(before, after);
        if (method == QLatin1String("awq")) // 1/s folded into the norm rounds differently
            QVERIFY2(d < 1e-3f, qPrintable(QString::number(d)));
        else
            QVERIFY2(d == 0.0f, qPrintable(QString::number(d)));
        // Saving again over an existing quantized folder replaces it.
        saveQuantizedCheckpoint(*model, plan, s, out);
        QVERIFY(isQuantizedCheckpoint(out));
    }

    void refusesToOverwriteOtherFolders()
    {
        QTemporaryDir tmp;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(),
                                                          tinySpec());
        auto model = Model::load(dir);
        const alloc::BitPlan plan = uniformPlan(*model, 4);
        quantizeModel(*model, plan, randomCalibration(*model, 1, 16, 1), settingsFor("rtn"));
        QVERIFY_THROWS_EXCEPTION(Error, saveQuantizedCheckpoint(*model, plan, settingsFor("rtn"), dir));
        QVERIFY(fs::exists(dir + "/model.safetensors")); // untouched
    }

    void corruptedFolderErrors_data()
    {
        QTest::addColumn<QString>("corruption");
        QTest::addColumn<QString>("expected");
        QTest::newRow("config-not-json") << QStringLiteral("badjson") << QStringLiteral("quantization_config.json");
        QTest::newRow("wrong-bits") << QStringLiteral("bits") << QStringLiteral("wrong dtype or shape");
        QTest::newRow("module-dropped") << QStringLiteral("drop") << QStringLiteral("no quantized module replaces it");
        QTest::newRow("future-version") << QStringLiteral("version") << QStringLiteral("format_version");
        QTest::newRow("truncated-tensors") << QStringLiteral("truncate") << QStringLiteral("model.safetensors");
        QTest::newRow("nan-scale") << QStringLiteral("scale") << QStringLiteral("q_proj");
    }
    void corruptedFolderErrors()
    {
        QFETCH(QString, corruption);
        QFETCH(QString, expected);
        QTemporaryDir tmp;
        const std::string dir = test::writeTinyCheckpoint(tmp.filePath("m").toStdString(),
                                                          tinySpec());
        const std::string out = tmp.filePath("q").toStdString();
        {
            auto model = Model::load(dir);
            const alloc::BitPlan plan = uniformPlan(*model, 4);
            quantizeModel(*model, plan, randomCalibration(*model, 1, 16, 1), settingsFor("rtn"));
            saveQuantizedCheckpoint(*model, plan, settingsFor("rtn"), out);
        }
        const std::string cfgPath = out + "/" + kQuantConfigFile;
        std::string cfg = readFile(cfgPath);
        const std::string qName = "model.layers.0.self_attn.q_proj";
        if (corruption == QLatin1String("badjson")) {
            writeFileAtomic(cfgPath, cfg.substr(0, cfg.size() / 2));
        } else if (corruption == QLatin1String("bits")) {
            const auto at = cfg.find("\"bits\": 4");
            QVERIFY(at != std::string::npos);
            writeFileAtomic(cfgPath, cfg.replace(at, 9, "\"bits\": 2"));
        } else if (corruption == QLatin1String("drop")) {
            const auto at = cfg.find("\"" + qName + "\"");
            const auto end = cfg.find('}', at);
            QVERIFY(at != std::string::npos);
            cfg.erase(at, end - at + 2); // the entry and its comma
            writeFileAtomic(cfgPath, cfg);
        } else if (corruption == QLatin1String("version")) {
            const auto at = cfg.find("\"format_version\": 2");
            QVERIFY(at != std::string::npos);
            writeFileAtomic(cfgPath, cfg.replace(at, 19, "\"format_version\": 9"));
        } else if (corruption == QLatin1String("truncate")) {
            fs::resize_file(out + "/model.safetensors", fs::file_size(out + "/model.safetensors") - 100);
        } else if (corruption == QLatin1String("scale")) {
            // A NaN fp16 scale (0x7fff) in q_proj: every int32 zero point is valid in format 2.
            Checkpoint ck(out);
            const TensorView &sc = ck.tensor(qName + ".scales");
            std::fstream f(out + "/model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(static_cast<std::streamoff>(sc.fileOffset));
            const char nan[2] = {'\xff', '\x7f'};
            f.write(nan, 2);
        }
        try {
            auto m = loadQuantizedModel(out);
            m->logits({1, 2, 3});
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(expected), e.what());
        }
    }

    // stories260K with WikiText-2 calibration (the last 32 windows of 256 tokens) and evaluation
    // (the first 16): 8 bits within 1% of fp; at 4 bits GPTQ does less damage than RTN.
    //
    // Damage is the KL divergence of the next-token distributions from the fp model's, not the
    // perplexity change: stories260K (a TinyStories model) is far out of its domain on
    // WikiText-2 (ppl ~125), and there the perplexity of a 4-bit model moves either way under
    // small weight noise. Measured (issue 4; 100 windows of the first half of WikiText-2,
    // calibration from the second half): RTN g128 ppl 128.6 / KL 0.272, RTN g32 136.9 / 0.230,
    // GPTQ g128 130.3 / 0.174, GPTQ g32 128.5 / 0.142; GPTQ g128 with calibration seeds 1-4:
    // ppl 126.7, 130.1, 128.5, 127.9 (spanning RTN's) at KL 0.167-0.173. Finer groups and GPTQ
    // lower the KL every time while the perplexity order is noise, so the ppl ordering that
    // once failed here (gptq4 132.60 > rtn4 128.96) was never a GPTQ defect; GPTQ's formulas
    // were checked against the reference (H = 2/n sum X^T X, damping, Cholesky of H^-1, lazy
    // batches, group grids, true-sequential order, quantized-input propagation).
    void storiesWikiText()
    {
        LIEQ_REQUIRE_SHARED(modelDir, "models/stories260K-hf");
        LIEQ_REQUIRE_SHARED(wiki, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        const Tokenizer tok = Tokenizer::fromModelDir(modelDir);
        const std::string text = Corpus::fromFile(wiki).joined();
        const TokenWindows all = TokenWindows::fromText(tok, text, 256);
        QVERIFY(all.count > 48);
        // Calibration from the last 32 windows, evaluation on the first 16 (disjoint).
        CalibrationSet calib{all.range(all.count - 32, 32), 32, 256, {}};
        const TokenWindows evalWindows = TokenWindows::fromTokens(all.range(0, 16), 256);
        auto fpModel = Model::load(modelDir);
        const double fp = pplOf(*fpModel, evalWindows.ids, 256);
        std::map<std::string, double> ppl;
        std::map<std::string, KlDivergenceResult> kl;
        for (const char *m : {"rtn", "gptq"})
            for (int bits : {8, 4}) {
                auto model = Model::load(modelDir);
                quantizeModel(*model, uniformPlan(*model, bits), calib,
                              settingsFor(QString::fromLatin1(m), 128));
                const std::string key = std::string(m) + std::to_string(bits);
                ppl[key] = pplOf(*model, evalWindows.ids, 256);
                kl[key] = evaluateKlDivergence(*fpModel, *model, evalWindows);
                QVERIFY2(std::abs(kl[key].pplModel / ppl[key] - 1) < 1e-5, key.c_str());
                qInfo("stories260K %s: ppl %.4f (fp %.4f), KL %.5f nats/token, top-1 agreement "
                      "%.4f", key.c_str(), ppl[key], fp, kl[key].meanKl, kl[key].top1Agreement);
            }
        QVERIFY(std::abs(ppl["rtn8"] / fp - 1) < 0.01);
        QVERIFY(std::abs(ppl["gptq8"] / fp - 1) < 0.01);
        QVERIFY(kl["rtn8"].meanKl < 0.005 && kl["gptq8"].meanKl < 0.005);
        // 8 bits do a small fraction of 4 bits' damage; GPTQ clearly less than RTN (measured
        // 0.64x at 4 bits on 100 windows; a 0.8x bound leaves room for window sampling).
        QVERIFY(kl["rtn8"].meanKl < 0.05 * kl["rtn4"].meanKl);
        QVERIFY2(kl["gptq4"].meanKl < 0.8 * kl["rtn4"].meanKl,
                 qPrintable(QStringLiteral("gptq4 KL %1, rtn4 KL %2")
                                .arg(kl["gptq4"].meanKl).arg(kl["rtn4"].meanKl)));
        QVERIFY(kl["gptq4"].top1Agreement > kl["rtn4"].top1Agreement);
    }
};

QTEST_GUILESS_MAIN(TestPipeline)
#include "tst_pipeline.moc"
