// Decoder runtime on generated tiny checkpoints of every architecture and dtype: batching,
// streaming, layer skip, layer ranges, KV cache, and an independent naive reference forward.
#include "core/io/checkpoint.h"
#include "core/model/decoder_impl.h"
#include "core/model/compute_threads.h"
#include "core/model/model.h"
#include "core/model/parallel_ops_impl.h"
#include "core/model/rope.h"
#include "core/util/error.h"
#include "tests/support/tiny_checkpoint.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace lieq;

namespace {

struct Fixture
{
    test::TinyModelSpec spec;
    std::string dir;
};

test::TinyModelSpec specFor(const QString &name)
{
    test::TinyModelSpec s;
    s.tokenizer = test::TinyTokenizer::None;
    s.vocabSize = 96;
    s.hidden = 32;
    s.intermediate = 48;
    s.layers = 3;
    s.heads = 4;
    s.kvHeads = 2;
    if (name.startsWith(QLatin1String("qwen2")))
        s.arch = "qwen2";
    else if (name.startsWith(QLatin1String("qwen3"))) {
        s.arch = "qwen3";
        s.headDim = 12; // != hidden / heads = 8
    } else if (name.startsWith(QLatin1String("mistral")))
        s.arch = "mistral";
    if (name.contains(QLatin1String("bf16")))
        s.dtype = DType::BF16;
    if (name.contains(QLatin1String("f16")) && !name.contains(QLatin1String("bf16")))
        s.dtype = DType::F16;
    if (name.contains(QLatin1String("sharded")))
        s.shards = 3;
    if (name.contains(QLatin1String("tied")))
        s.tied = true;
    if (name.contains(QLatin1String("llama3")))
        s.llama3RopeScaling = true;
    if (name.contains(QLatin1String("bias")))
        s.attentionBias = true;
    return s;
}

torch::Tensor randomIds(std::int64_t b, std::int64_t t, std::int64_t vocab, std::uint64_t seed)
{
    torch::manual_seed(seed);
    return torch::randint(0, vocab, {b, t}, torch::kLong);
}

double maxDiff(const torch::Tensor &a, const torch::Tensor &b)
{
    return (a - b).abs().max().item<double>();
}

std::vector<std::int32_t> toVector(const torch::Tensor &ids)
{
    const torch::Tensor c = ids.reshape({-1}).to(torch::kLong).contiguous();
    return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

// A deliberately plain reference: per-token, per-head loops following the HF modeling code
// (rotate_half RoPE with cat(freqs, freqs), repeat_kv, explicit causal softmax).
torch::Tensor naiveLogits(const Checkpoint &ck, const std::vector<std::int32_t> &ids)
{
    const ModelConfig &c = ck.config();
    auto t = [&](const std::string &n) {
        const TensorView &v = ck.tensor(n);
        const auto type = v.dtype == DType::F32    ? torch::kFloat32
                          : v.dtype == DType::F16 ? torch::kFloat16
                                                  : torch::kBFloat16;
        return torch::from_blob(const_cast<std::byte *>(v.data), v.shape, type)
            .to(torch::kFloat64);
    };
    auto opt = [&](const std::string &n) { return ck.contains(n) ? t(n) : torch::Tensor(); };
    auto norm = [&](const torch::Tensor &x, const torch::Tensor &w) {
        return x / torch::sqrt(x.pow(2).mean(-1, true) + c.rmsNormEps) * w;
    };
    auto lin = [&](const torch::Tensor &x, const std::string &stem) {
        torch::Tensor y = torch::matmul(x, t(stem + ".weight").t());
        if (auto b = opt(stem + ".bias"); b.defined())
            y = y + b;
        return y;
    };
    const std::int64_t T = static_cast<std::int64_t>(ids.size()), D = c.headDim;
    const std::int64_t group = c.numHeads / c.numKvHeads;
    const torch::Tensor emb = t("model.embed_tokens.weight");
    torch::Tensor x = torch::stack(
        [&] {
            std::vector<torch::Tensor> rows;
            for (auto id : ids)
                rows.push_back(emb[id]);
            return rows;
        }());
    // inv_freq by the textbook formula (scaling handled by the rope test separately).
    std::vector<double> invFreq = ropeInverseFrequencies(c);
    auto rope = [&](torch::Tensor v, std::int64_t pos) { // v: [D]
        torch::Tensor out = torch::empty_like(v);
        for (std::int64_t i = 0; i < D; ++i) {
            const double f = invFreq[static_cast<std::size_t>(i % (D / 2))];
            const double cs = std::cos(pos * f), sn = std::sin(pos * f);
            const double rot = i < D / 2 ? -v[i + D / 2].item<double>() : v[i - D / 2].item<double>();
            out[i] = v[i].item<double>() * cs + rot * sn;
        }
        return out;
    };
    for (std::int64_t l = 0; l < c.numLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        const torch::Tensor h = norm(x, t(p + "input_layernorm.weight"));
        const torch::Tensor q = lin(h, p + "self_attn.q_proj").view({T, c.numHeads, D});
        const torch::Tensor k = lin(h, p + "self_attn.k_proj").view({T, c.numKvHeads, D});
        const torch::Tensor v = lin(h, p + "self_attn.v_proj").view({T, c.numKvHeads, D});
        torch::Tensor attn = torch::zeros({T, c.numHeads * D}, torch::kFloat64);
        for (std::int64_t head = 0; head < c.numHeads; ++head) {
            const std::int64_t kvh = head / group;
            std::vector<torch::Tensor> keys;
            for (std::int64_t j = 0; j < T; ++j) {
                torch::Tensor kj = k[j][kvh];
                if (c.qkNorm)
                    kj = norm(kj, t(p + "self_attn.k_norm.weight"));
                keys.push_back(rope(kj, j));
            }
            for (std::int64_t i = 0; i < T; ++i) {
                torch::Tensor qi = q[i][head];
                if (c.qkNorm)
                    qi = norm(qi, t(p + "self_attn.q_norm.weight"));
                qi = rope(qi, i);
                std::vector<double> scores;
                double mx = -1e300;
                for (std::int64_t j = 0; j <= i; ++j) {
                    scores.push_back((qi * keys[static_cast<std::size_t>(j)]).sum().item<double>() /
                                     std::sqrt(static_cast<double>(D)));
                    mx = std::max(mx, scores.back());
                }
                double z = 0;
                for (double &s : scores)
                    z += (s = std::exp(s - mx));
                torch::Tensor o = torch::zeros({D}, torch::kFloat64);
                for (std::int64_t j = 0; j <= i; ++j)
                    o += scores[static_cast<std::size_t>(j)] / z * v[j][kvh];
                attn[i].slice(0, head * D, (head + 1) * D) = o;
            }
        }
        x = x + lin(attn, p + "self_attn.o_proj");
        const torch::Tensor h2 = norm(x, t(p + "post_attention_layernorm.weight"));
        const torch::Tensor g = lin(h2, p + "mlp.gate_proj");
        x = x + lin(g * torch::sigmoid(g) * lin(h2, p + "mlp.up_proj"), p + "mlp.down_proj");
    }
    x = norm(x, t("model.norm.weight"));
    const std::string head = ck.contains("lm_head.weight") && !c.tieWordEmbeddings
                                 ? "lm_head.weight"
                                 : "model.embed_tokens.weight";
    return torch::matmul(x, t(head).t()).to(torch::kFloat32);
}

} // namespace

class TestDecoder : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    std::string checkpointDir(const QString &name)
    {
        const QString path = m_tmp.filePath(name);
        if (!QFileInfo::exists(path + QStringLiteral("/config.json"))) {
            test::writeTinyCheckpoint(path.toStdString(), specFor(name));
            if (name.endsWith(QLatin1String("-window4"))) { // mistral attending to 4 positions
                QFile f(path + QStringLiteral("/config.json"));
                if (!f.open(QIODevice::ReadOnly))
                    return {};
                QJsonObject config = QJsonDocument::fromJson(f.readAll()).object();
                f.close();
                config[QStringLiteral("sliding_window")] = 4;
                if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
                    return {};
                f.write(QJsonDocument(config).toJson());
            }
        }
        return path.toStdString();
    }

    void addRows()
    {
        QTest::addColumn<QString>("name");
        for (const char *n : {"llama-f32", "llama-bf16-sharded", "llama-f16-tied",
                              "llama-f32-llama3", "llama-f32-bias", "qwen2-f32", "qwen2-bf16",
                              "qwen3-f32", "qwen3-bf16-sharded", "mistral-f16"})
            QTest::newRow(n) << QString::fromLatin1(n);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        setComputeThreads();
    }

    void matchesNaiveReference_data() { addRows(); }
    void matchesNaiveReference()
    {
        QFETCH(QString, name);
        const std::string dir = checkpointDir(name);
        auto model = Model::load(dir, {.device = "cpu"});
        const auto ids = toVector(randomIds(1, 9, model->config().vocabSize, 7));
        const std::vector<float> got = model->logits(ids);
        const torch::Tensor want = naiveLogits(model->decoder().checkpoint(), ids);
        const torch::Tensor gotT =
            torch::from_blob(const_cast<float *>(got.data()), want.sizes(), torch::kFloat32);
        const double diff = maxDiff(gotT, want);
        QVERIFY2(diff < 2e-4, qPrintable(QStringLiteral("max |logit diff| %1").arg(diff)));
    }

    void batchEqualsOneByOne_data() { addRows(); }
    void batchEqualsOneByOne()
    {
        QFETCH(QString, name);
        auto model = Model::load(checkpointDir(name), {.device = "cpu", .attentionQueryChunk = 5});
        Decoder &d = model->decoder();
        const torch::Tensor ids = randomIds(3, 13, d.config().vocabSize, 11);
        const torch::Tensor batch = d.forwardHidden(ids);
        const torch::Tensor batchNll = d.tokenNll(batch, ids);
        for (int b = 0; b < 3; ++b) {
            const torch::Tensor one = d.forwardHidden(ids.slice(0, b, b + 1));
            QVERIFY(maxDiff(one[0], batch[b]) < 1e-4);
            QVERIFY(maxDiff(d.tokenNll(one, ids.slice(0, b, b + 1))[0], batchNll[b]) < 1e-4);
        }
        // Model::windowNll agrees with the per-token NLL sums.
        const auto sums = model->windowNll(toVector(ids), 13);
        QCOMPARE(sums.size(), std::size_t(3));
        for (int b = 0; b < 3; ++b)
            QVERIFY(std::abs(sums[b] - batchNll[b].sum().item<double>()) < 1e-3);
    }

    void streamingEqualsResident_data() { addRows(); }
    void streamingEqualsResident()
    {
        QFETCH(QString, name);
        const std::string dir = checkpointDir(name);
        auto resident = Model::load(dir, {.device = "cpu", .residentBudgetBytes = 1ll << 40});
        auto streamed = Model::load(dir, {.device = "cpu", .residentBudgetBytes = 0});
        QVERIFY(resident->isResident());
        QVERIFY(!streamed->isResident());
        const auto ids = toVector(randomIds(2, 10, resident->config().vocabSize, 3));
        for (int pass = 0; pass < 2; ++pass) { // the second pass reloads dropped layers
            const auto a = resident->windowNll(ids, 10);
            const auto b = streamed->windowNll(ids, 10);
            for (std::size_t i = 0; i < a.size(); ++i)
                QVERIFY2(std::abs(a[i] - b[i]) < 1e-4,
                         qPrintable(QStringLiteral("%1 vs %2").arg(a[i]).arg(b[i])));
        }
    }

    void skippedLayerIsIdentity_data() { addRows(); }
    void skippedLayerIsIdentity()
    {
        QFETCH(QString, name);
        auto model = Model::load(checkpointDir(name), {.device = "cpu"});
        Decoder &d = model->decoder();
        const torch::Tensor ids = randomIds(2, 8, d.config().vocabSize, 5);
        const torch::Tensor h0 = d.embed(ids);
        ForwardOptions skip1;
        skip1.skipLayers = {1};
        const torch::Tensor skipped = d.runLayers(h0, 0, 3, skip1);
        const torch::Tensor manual = d.runLayers(d.runLayers(h0, 0, 1), 2, 3);
        QVERIFY(maxDiff(skipped, manual) < 1e-5);
        // ... and skipping really changes the result.
        QVERIFY(maxDiff(skipped, d.runLayers(h0, 0, 3)) > 1e-3);
        // Skipping every layer leaves the embeddings untouched.
        ForwardOptions all;
        all.skipLayers = {0, 1, 2};
        QVERIFY(torch::equal(d.runLayers(h0, 0, 3, all), h0));
    }

    void layerRangesCompose_data() { addRows(); }
    void layerRangesCompose()
    {
        QFETCH(QString, name);
        auto model = Model::load(checkpointDir(name), {.device = "cpu"});
        Decoder &d = model->decoder();
        const torch::Tensor h0 = d.embed(randomIds(2, 7, d.config().vocabSize, 9));
        const torch::Tensor full = d.runLayers(h0, 0, 3);
        for (int split = 0; split <= 3; ++split) {
            const torch::Tensor parts = d.runLayers(d.runLayers(h0, 0, split), split, 3);
            QVERIFY(maxDiff(parts, full) < 1e-5);
        }
        const torch::Tensor steps =
            d.runLayer(2, d.runLayer(1, d.runLayer(0, h0, 0), 0), 0);
        QVERIFY(maxDiff(steps, full) < 1e-5);
    }

    void kvCacheEqualsRecompute_data() { addRows(); }
    void kvCacheEqualsRecompute()
    {
        QFETCH(QString, name);
        auto model = Model::load(checkpointDir(name), {.device = "cpu"});
        Decoder &d = model->decoder();
        const torch::Tensor ids = randomIds(1, 12, d.config().vocabSize, 21);
        const torch::Tensor full = d.logits(d.forwardHidden(ids));
        // Prefill 5 tokens, then feed one token at a time through the cache.
        KvCache cache(3);
        ForwardOptions fo;
        fo.cache = &cache;
        std::vector<torch::Tensor> pieces = {d.logits(d.forwardHidden(ids.slice(1, 0, 5), fo))};
        for (int t = 5; t < 12; ++t)
            pieces.push_back(d.logits(d.forwardHidden(ids.slice(1, t, t + 1), fo)));
        QCOMPARE(cache.length, std::int64_t(12));
        const double diff = maxDiff(torch::cat(pieces, 1), full);
        QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));

        GenerateOptions cached{.maxNewTokens = 10, .stopAtEos = false, .useKvCache = true};
        GenerateOptions recompute = cached;
        recompute.useKvCache = false;
        const auto prompt = toVector(ids.slice(1, 0, 4));
        QCOMPARE(model->generate(prompt, cached).tokens, model->generate(prompt, recompute).tokens);
    }

    void fusedDecodeMatchesTensorPath_data()
    {
        addRows();
        QTest::newRow("mistral-f16-window4") << QStringLiteral("mistral-f16-window4");
    }
    void fusedDecodeMatchesTensorPath()
    {
        // Decode steps on raw rows (Decoder::decodeLayer) and through runLayer's tensor ops:
        // the same logits and cache contents, and the full forward's logits (sliding window
        // included: 12 positions attend to 4).
        QFETCH(QString, name);
        auto model = Model::load(checkpointDir(name), {.device = "cpu"});
        Decoder &d = model->decoder();
        QCOMPARE(d.config().slidingWindow.value_or(0), std::int64_t(name.endsWith(QLatin1String("-window4")) ? 4 : 0));
        const torch::Tensor ids = randomIds(1, 12, d.config().vocabSize, 23);
        const torch::Tensor full = d.logits(d.forwardHidden(ids));
        torch::Tensor got[2];
        std::vector<KvCache> caches(2, KvCache(std::size_t(d.numLayers())));
        for (int fused : {0, 1}) {
            setFusedDecodeEnabled(fused == 1);
            ForwardOptions fo;
            fo.cache = &caches[std::size_t(fused)];
            std::vector<torch::Tensor> pieces = {d.logits(d.forwardHidden(ids.slice(1, 0, 5), fo))};
            for (int t = 5; t < 12; ++t)
                pieces.push_back(d.logits(d.forwardHidden(ids.slice(1, t, t + 1), fo)));
            got[fused] = torch::cat(pieces, 1);
        }
        setFusedDecodeEnabled(true);
        const double paths = maxDiff(got[1], got[0]), recompute = maxDiff(got[1], full);
        QVERIFY2(paths < 1e-5, qPrintable(QString::number(paths)));
        QVERIFY2(recompute < 1e-4, qPrintable(QString::number(recompute)));
        QCOMPARE(caches[1].length, std::int64_t(12));
        for (int l = 0; l < d.numLayers(); ++l) {
            const std::size_t i = std::size_t(l);
            QCOMPARE(caches[1].keys[i].sizes(), caches[0].keys[i].sizes());
            QVERIFY(maxDiff(caches[1].keys[i], caches[0].keys[i]) < 1e-5);
            QVERIFY(maxDiff(caches[1].values[i], caches[0].values[i]) < 1e-5);
        }
    }

    void oneRowLinearEqualsLinear_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("outFeatures");
        QTest::addColumn<bool>("bias");
        for (int t : {1, 2})
            for (int out : {7, 3072})
                for (bool b : {false, true})
                    QTest::addRow("threads=%d out=%d bias=%d", t, out, int(b)) << t << out << b;
    }
    void oneRowLinearEqualsLinear()
    {
        // Decode's one activation row goes through GEMV (split over output features), not
        // GEMM: same values, same shape as torch's linear.
        QFETCH(int, threads);
        QFETCH(int, outFeatures);
        QFETCH(bool, bias);
        setComputeThreads(threads);
        const torch::Tensor w = torch::randn({outFeatures, 1024});
        const torch::Tensor b = bias ? torch::randn({outFeatures}) : torch::Tensor();
        const torch::Tensor x = torch::randn({1, 1, 1024});
        const torch::Tensor got = parallelLinear(x, w, b);
        const torch::Tensor want = torch::nn::functional::linear(x, w, b);
        QCOMPARE(got.sizes(), want.sizes());
        QVERIFY(torch::allclose(got, want, 1e-4, 1e-4));
        setComputeThreads();
    }

    void kvCacheAppendsInPlaceAndGrows()
    {
        torch::Tensor store;
        torch::Tensor view;
        std::vector<torch::Tensor> rows;
        const void *firstStorage = nullptr;
        // 150 single-position appends after a 3-position prefill cross the initial capacity (64)
        // and one doubling; every append must keep all earlier rows.
        for (int step = 0; step < 151; ++step) {
            const std::int64_t T = step == 0 ? 3 : 1;
            rows.push_back(torch::randn({1, 2, T, 4}));
            view = appendToCache(store, view, rows.back());
            if (step == 0)
                firstStorage = store.data_ptr();
            if (step == 30) // still within the first store: written in place
                QCOMPARE(store.data_ptr(), firstStorage);
        }
        QCOMPARE(view.size(2), std::int64_t(153));
        QVERIFY(store.data_ptr() != firstStorage);
        QVERIFY(torch::equal(view, torch::cat(rows, 2)));

        // A view replaced by the caller (a batch expand, as the zero-shot scorer does) is copied
        // into new storage, not written through.
        torch::Tensor expanded = view.expand({3, -1, -1, -1});
        const torch::Tensor next = torch::randn({3, 2, 2, 4});
        const torch::Tensor grown = appendToCache(store, expanded, next);
        QCOMPARE(grown.size(0), std::int64_t(3));
        QVERIFY(torch::equal(grown.narrow(2, 0, 153), expanded));
        QVERIFY(torch::equal(grown.narrow(2, 153, 2), next));
        QVERIFY(torch::equal(view, torch::cat(rows, 2))); // the old cache is untouched
    }

    void captureSeesEveryLinear()
    {
        auto model = Model::load(checkpointDir(QStringLiteral("qwen3-f32")), {.device = "cpu"});
        Decoder &d = model->decoder();
        std::map<std::pair<int, Projection>, std::vector<std::int64_t>> seen;
        ForwardOptions fo;
        fo.capture = [&](int layer, Projection p, const torch::Tensor &x) {
            seen[{layer, p}] = x.sizes().vec();
        };
        fo.skipLayers = {1};
        d.forwardHidden(randomIds(2, 6, d.config().vocabSize, 1), fo);
        QCOMPARE(seen.size(), std::size_t(14)); // 2 evaluated layers x 7 projections
        const std::int64_t qOut = d.config().numHeads * d.config().headDim;
        const std::vector<std::int64_t> q0 = seen[{0, Projection::Q}];
        const std::vector<std::int64_t> o2 = seen[{2, Projection::O}];
        const std::vector<std::int64_t> down2 = seen[{2, Projection::Down}];
        QCOMPARE(q0, (std::vector<std::int64_t>{2, 6, 32}));
        QCOMPARE(o2, (std::vector<std::int64_t>{2, 6, qOut}));
        QCOMPARE(down2, (std::vector<std::int64_t>{2, 6, 48}));
        QVERIFY(!seen.count({1, Projection::Q}));
    }

    void qwen3HeadDimDiffersFromHiddenOverHeads()
    {
        auto model = Model::load(checkpointDir(QStringLiteral("qwen3-bf16-sharded")));
        const ModelConfig &c = model->config();
        QCOMPARE(c.headDim, std::int64_t(12));
        QVERIFY(c.headDim * c.numHeads != c.hiddenSize);
        const auto w = model->decoder().acquireLayer(0);
        QCOMPARE(w->linear(Projection::Q).outFeatures(), std::int64_t(48));
        QCOMPARE(w->linear(Projection::O).inFeatures(), std::int64_t(48));
        QCOMPARE(w->qNorm.size(0), std::int64_t(12));
    }

    void replacedLinearIsUsed()
    {
        auto model = Model::load(checkpointDir(QStringLiteral("llama-f32")), {.device = "cpu"});
        Decoder &d = model->decoder();
        const torch::Tensor ids = randomIds(1, 6, d.config().vocabSize, 2);
        const torch::Tensor before = d.forwardHidden(ids);
        const auto w = d.acquireLayer(1);
        // Same weight through a new op: identical output; zeroed weight: different output.
        d.setLinear(1, Projection::Up,
                    std::make_shared<DenseLinear>(w->linear(Projection::Up).denseWeight().clone()));
        QVERIFY(maxDiff(d.forwardHidden(ids), before) < 1e-6);
        d.setLinear(1, Projection::Up,
                    std::make_shared<DenseLinear>(torch::zeros_like(w->linear(Projection::Up).denseWeight())));
        QVERIFY(maxDiff(d.forwardHidden(ids), before) > 1e-3);
        d.clearLinearOverrides();
        QVERIFY(maxDiff(d.forwardHidden(ids), before) < 1e-6);
    }

    void badInputsAreErrors()
    {
        auto model = Model::load(checkpointDir(QStringLiteral("llama-f32")), {.device = "cpu"});
        QVERIFY_THROWS_EXCEPTION(Error, model->logits({1, 2, 999}));
        QVERIFY_THROWS_EXCEPTION(Error, model->windowNll({1, 2, 3}, 2));
        QVERIFY_THROWS_EXCEPTION(Error, model->generate({}));
        QVERIFY_THROWS_EXCEPTION(Error, model->decoder().runLayers(torch::zeros({1, 2, 32}), 2, 5));
        QVERIFY_THROWS_EXCEPTION(Error, Model::load(checkpointDir(QStringLiteral("llama-f32")),
                                                    {.device = "tpu"}));
    }

    void cancelStopsGeneration()
    {
        auto model = Model::load(checkpointDir(QStringLiteral("llama-f32")), {.device = "cpu"});
        int calls = 0;
        QVERIFY_THROWS_EXCEPTION(Cancelled,
                                 model->generate({1, 2, 3}, {.maxNewTokens = 20, .stopAtEos = false},
                                                 [&](const Progress &) { return ++calls < 4; }));
        QCOMPARE(calls, 4);
    }
};

QTEST_GUILESS_MAIN(TestDecoder)
#include "tst_decoder.moc"
