// Store throughput figures (label bench, prints numbers, asserts only correctness):
// per-layer append transactions for a Qwen3-0.6B-shaped analysis (28 layers, 7 projections,
// per-head q/k/v rows), history listing over many runs, loading a full run, and SHA-256
// hashing speed (the dataset content hash) against a plain memory copy baseline.
#include "core/store/experiment_store.h"
#include "core/store/sha256.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>
#include <cstring>

using namespace lieq::store;

class BenchStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void appendListLoad()
    {
        QTemporaryDir dir;
        ExperimentStore s(dir.filePath(QStringLiteral("b.sqlite")).toStdString());
        ModelRecord m;
        m.fingerprint = "qwen3-0.6b";
        m.name = "Qwen3-0.6B";
        const auto model = s.upsertModel(m);
        DatasetRecord d;
        d.kind = "text";
        d.contentHash = "wiki";
        const auto data = s.upsertDataset(d);
        constexpr int kLayers = 28, kRuns = 40;
        QElapsedTimer t;
        qint64 appendNs = 0;
        std::int64_t rows = 0, last = 0;
        for (int r = 0; r < kRuns; ++r) {
            last = s.beginAnalysisRun({model, data, "cpu", "{\"run\":" + std::to_string(r) + "}", r});
            for (int l = 0; l < kLayers; ++l) {
                std::vector<LayerMetric> lm = {{l, "dppl", 0.1 * l}, {l, "dr", 0.2}, {l, "dE", 0.3}};
                std::vector<ProjectionMetric> pm;
                for (const char *p : {"q", "k", "v", "o", "gate", "up", "down"})
                    for (const char *metric : {"dr", "dE", "compact"})
                        pm.push_back({l, p, metric, std::nullopt, 0.5});
                for (const char *p : {"q", "k", "v"})
                    for (int h = 0; h < 16; ++h)
                        pm.push_back({l, p, "dr", h, 0.01 * h});
                t.start();
                s.appendLayerMetrics(last, lm, pm);
                appendNs += t.nsecsElapsed();
                rows += static_cast<std::int64_t>(lm.size() + pm.size());
            }
            s.finishAnalysisRun(last, {RunStatus::Done});
        }
        t.start();
        RunFilter f;
        f.limit = 20;
        const auto page = s.listRuns(f);
        const double listMs = t.nsecsElapsed() / 1e6;
        t.start();
        const auto detail = s.loadAnalysisRun(last);
        const double loadMs = t.nsecsElapsed() / 1e6;
        QCOMPARE(page.total, std::int64_t(kRuns));
        QCOMPARE(detail->layers.size(), std::size_t(kLayers * 3));
        const double perLayerMs = appendNs / 1e6 / (kRuns * kLayers);
        qInfo("append: %.3f ms per layer transaction (%lld rows/layer, %.0f rows/s)", perLayerMs,
              static_cast<long long>(rows / (kRuns * kLayers)), rows / (appendNs / 1e9));
        qInfo("listRuns page of 20 over %d runs (%lld metric rows): %.2f ms", kRuns,
              static_cast<long long>(rows), listMs);
        qInfo("loadAnalysisRun (%zu layer + %zu projection rows): %.2f ms", detail->layers.size(),
              detail->projections.size(), loadMs);
    }

    void hashThroughput()
    {
        const std::string buf(64 << 20, 'x');
        std::string copy(buf.size(), '\0');
        QElapsedTimer t;
        t.start();
        std::memcpy(copy.data(), buf.data(), buf.size());
        const double copyS = t.nsecsElapsed() / 1e9;
        t.start();
        const std::string h = Sha256::hex(buf);
        const double hashS = t.nsecsElapsed() / 1e9;
        QCOMPARE(h.size(), std::size_t(64));
        qInfo("sha256: %.0f MB/s; memcpy baseline %.0f MB/s (ratio %.1fx slower)",
              buf.size() / hashS / 1e6, buf.size() / copyS / 1e6, hashS / copyS);
    }
};

QTEST_GUILESS_MAIN(BenchStore)
#include "bench_store.moc"
