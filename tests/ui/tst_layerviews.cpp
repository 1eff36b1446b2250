// Layer view: the per-layer model (QAbstractItemModelTester), incremental filling of table and
// charts as layer results stream in, the per-projection toggle, and the correlation view's
// statistics from core/analysis.
#include "core/analysis/statistics.h"
#include "ui/correlationview.h"
#include "ui/layerchart.h"
#include "ui/layermetricsmodel.h"
#include "ui/layerview.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QChart>
#include <QComboBox>
#include <QHeaderView>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace lieq::ui;
using lieq::store::LayerMetric;
using lieq::store::ProjectionMetric;

namespace {
// A layer's rows as a diagnostics run would stream them (fixture values: dPPL rises with dr,
// with one swap so that the rank correlation is high but not 1).
std::vector<LayerMetric> layerRows(int l)
{
    static const double dppl[] = {9.1, 0.8, 1.1, 0.5, 0.7, 2.4, 0.3, 3.0};
    static const double dr[] = {0.61, 0.20, 0.27, 0.12, 0.15, 0.33, 0.14, 0.40};
    return {{l, "dppl", dppl[l]}, {l, "dr", dr[l]}, {l, "dE", 0.1 * dr[l]}};
}
std::vector<ProjectionMetric> projectionRows(int l)
{
    std::vector<ProjectionMetric> rows;
    int i = 0;
    for (const char *p : {"q", "k", "v", "o", "gate", "up", "down"})
        rows.push_back({l, p, "dr", std::nullopt, 0.1 + 0.01 * l + 0.02 * i++});
    return rows;
}
} // namespace

class TestLayerViews : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void modelPassesTester()
    {
        LayerMetricsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.resetLayers(std::vector<std::int64_t>(8, 1000));
        for (int l = 0; l < 8; ++l)
            model.addMetrics(layerRows(l), projectionRows(l));
        model.setPins({{3, 16}});
        model.clearMetrics();
        model.resetLayers({});
        QCOMPARE(model.rowCount(), 0);
    }

    void fillsIncrementally_data()
    {
        QTest::addColumn<int>("arrived");
        for (int n : {0, 1, 3, 8})
            QTest::newRow(qPrintable(QStringLiteral("%1 layers").arg(n))) << n;
    }
    void fillsIncrementally()
    {
        QFETCH(int, arrived);
        LayerMetricsModel model;
        model.resetLayers(std::vector<std::int64_t>(8, 1000));
        LayerView view(&model);
        QSignalSpy updated(&model, &LayerMetricsModel::layerUpdated);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        for (int l = 0; l < arrived; ++l)
            model.addMetrics(layerRows(l));
        QCOMPARE(updated.count(), arrived);
        QCOMPARE(model.layersWith("dppl"), arrived);
        // Each arrival touched only its own row.
        for (int i = 0; i < changed.count(); ++i)
            QCOMPARE(changed.at(i).at(0).toModelIndex().row(), changed.at(i).at(1).toModelIndex().row());
        for (int c = 0; c < 3; ++c)
            QCOMPARE(view.chart(c)->pointCount(), arrived);
        QCOMPARE(view.correlation()->pointCount(), arrived);
        QCOMPARE(view.correlation()->stats().has_value(), arrived >= 3);
        const QModelIndex pending = model.index(arrived < 8 ? arrived : 0, LayerMetricsModel::DrCol);
        if (arrived < 8)
            QCOMPARE(pending.data().toString(), QStringLiteral("…"));
        else
            QCOMPARE(pending.data().toString(), QStringLiteral("0.6100"));
    }

    void perProjectionToggle()
    {
        LayerMetricsModel model;
        model.resetLayers(std::vector<std::int64_t>(4, 1000));
        LayerView view(&model);
        for (int l = 0; l < 4; ++l)
            model.addMetrics({}, projectionRows(l));
        LayerChart *dr = view.chart(1);
        QCOMPARE(dr->seriesCount(), 1); // layer mean from the projections
        QCOMPARE(dr->pointCount(), 4);
        QVERIFY(std::abs(model.layerMetric(2, "dr") - (0.12 + 0.06)) < 1e-12); // mean of 0.12..0.24
        view.modeBox()->setCurrentIndex(1);
        QCOMPARE(dr->seriesCount(), 7);
        QCOMPARE(dr->pointCount(), 28);
        QCOMPARE(view.chart(0)->seriesCount(), 1); // dPPL stays per layer
        view.modeBox()->setCurrentIndex(0);
        QCOMPARE(dr->seriesCount(), 1);
    }

    // The view shows exactly core/analysis's numbers for the layers present.
    void correlationMatchesCore()
    {
        LayerMetricsModel model;
        model.resetLayers(std::vector<std::int64_t>(8, 1000));
        CorrelationView view(&model);
        for (int l = 0; l < 8; ++l)
            model.addMetrics(layerRows(l));
        QVERIFY(view.stats().has_value());
        const auto &s = *view.stats();
        const auto x = model.metricVector("dr"), y = model.metricVector("dppl");
        QCOMPARE(s.layers, 8);
        QCOMPARE(s.spearman.coefficient, lieq::analysis::spearman(x, y).coefficient);
        QCOMPARE(s.kendall.pValue, lieq::analysis::kendallTauB(x, y).pValue);
        QCOMPARE(s.pearson.coefficient, lieq::analysis::pearson(x, y).coefficient);
        // The fixture's ranks differ by one adjacent swap: rho = 1 - 6*2/(8*63).
        QVERIFY(std::abs(s.spearman.coefficient - (1.0 - 12.0 / 504.0)) < 1e-12);
        QVERIFY(s.spearmanCi.low <= s.spearman.coefficient && s.spearman.coefficient <= s.spearmanCi.high);
        QVERIFY(view.statsText().contains(QStringLiteral("0.976")));
    }

    // Any two series: the model's metrics and the extra ones the workbench adds (the measure
    // pass's), with core's statistics for the pair shown.
    void correlationPicksAnyPair()
    {
        LayerMetricsModel model;
        model.resetLayers(std::vector<std::int64_t>(8, 1000));
        CorrelationView view(&model);
        for (int l = 0; l < 8; ++l)
            model.addMetrics(layerRows(l));
        QCOMPARE(view.xKey(), std::string("dr"));
        QCOMPARE(view.yKey(), std::string("dppl"));
        const std::vector<double> gain{0.04, 0.001, 0.002, 0.0005, 0.003, 0.0001, 0.002, 0.001};
        view.setSeries("kl_gain", QStringLiteral("measured gain"), gain);
        QCOMPARE(view.xBox()->count(), 4);
        view.setAxes("dE", "kl_gain");
        QVERIFY(view.stats().has_value());
        const auto dE = model.metricVector("dE");
        QCOMPARE(view.stats()->spearman.coefficient, lieq::analysis::spearman(dE, gain).coefficient);
        QCOMPARE(view.pointCount(), 8);
        QVERIFY(view.statsText().contains(QStringLiteral("layers")));
        // Removing the series falls back to an available one.
        view.setSeries("kl_gain", {}, {});
        QCOMPARE(view.yBox()->count(), 3);
    }

    // The scatter keeps its extreme layers off the border: every point lies strictly inside
    // the axis ranges, by a margin.
    void correlationAxesArePadded()
    {
        LayerMetricsModel model;
        model.resetLayers(std::vector<std::int64_t>(8, 1000));
        CorrelationView view(&model);
        for (int l = 0; l < 8; ++l)
            model.addMetrics(layerRows(l));
        const auto x = model.metricVector("dr"), y = model.metricVector("dppl");
        const auto [xlo, xhi] = view.xRange();
        const auto [ylo, yhi] = view.yRange();
        const auto [xmin, xmax] = std::minmax_element(x.begin(), x.end());
        const auto [ymin, ymax] = std::minmax_element(y.begin(), y.end());
        QVERIFY(xlo < *xmin - 0.05 * (*xmax - *xmin) && xhi > *xmax + 0.05 * (*xmax - *xmin));
        QVERIFY(ylo < *ymin - 0.05 * (*ymax - *ymin) && yhi > *ymax + 0.05 * (*ymax - *ymin));
    }

    // The dPPL chart offers a log axis; values <= 0 are left out there and said so.
    void logAxisForDppl()
    {
        LayerMetricsModel model;
        model.resetLayers(std::vector<std::int64_t>(8, 1000));
        LayerView view(&model);
        for (int l = 0; l < 8; ++l)
            model.addMetrics(layerRows(l));
        model.addMetrics({{3, "dppl", -0.2}});
        LayerChart *dppl = view.chart(0);
        QVERIFY(!dppl->hasLogAxis());
        QCOMPARE(dppl->pointCount(), 8);
        view.logScaleBox()->setChecked(true);
        QVERIFY(dppl->hasLogAxis());
        QCOMPARE(dppl->pointCount(), 7);
        QVERIFY(dppl->chart()->title().contains(QStringLiteral("<= 0")));
        view.logScaleBox()->setChecked(false);
        QVERIFY(!dppl->hasLogAxis());
        QCOMPARE(dppl->pointCount(), 8);
    }

    // At the main window's default size the table shows its last column whole.
    void tableShowsEveryColumn()
    {
        LayerMetricsModel model;
        model.resetLayers(std::vector<std::int64_t>(8, 123456789));
        LayerView view(&model);
        for (int l = 0; l < 8; ++l)
            model.addMetrics(layerRows(l));
        model.setPins({{3, 16}});
        view.resize(1000, 700); // the tab area of a 1280 x 800 window
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QTableView *t = view.table();
        const int last = model.columnCount() - 1;
        qInfo("table min %d width %d viewport %d last at %d + %d", t->minimumWidth(), t->width(),
              t->viewport()->width(), t->horizontalHeader()->sectionViewportPosition(last),
              t->horizontalHeader()->sectionSize(last));
        QTRY_VERIFY(t->horizontalHeader()->sectionViewportPosition(last) +
                        t->horizontalHeader()->sectionSize(last) <= t->viewport()->width());
    }

    void rowsOutsideTheModelAreIgnored()
    {
        LayerMetricsModel model;
        model.resetLayers(std::vector<std::int64_t>(2, 10));
        QSignalSpy updated(&model, &LayerMetricsModel::layerUpdated);
        model.addMetrics({{5, "dr", 0.3}, {-1, "dr", 0.1}});
        QCOMPARE(updated.count(), 0);
    }

    void contextMenuAsksForPin()
    {
        LayerMetricsModel model;
        model.resetLayers(std::vector<std::int64_t>(4, 10));
        LayerView view(&model);
        view.resize(900, 500);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy pin(&view, &LayerView::pinRequested);
        QTableView *t = view.table();
        const QRect r = t->visualRect(model.index(2, 0));
        Q_EMIT t->customContextMenuRequested(r.center());
        QCOMPARE(pin.count(), 1);
        QCOMPARE(pin.first().first().toInt(), 2);
    }
};

QTEST_MAIN(TestLayerViews)
#include "tst_layerviews.moc"
