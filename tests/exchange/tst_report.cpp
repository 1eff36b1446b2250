// Report rendering with QtGui alone (offscreen): chart ticks and pixels, the HTML's content, the
// PDF's pages, atomic writing, cancel. LIEQ_REPORT_KEEP=DIR keeps report.pdf/.html to look at.
#include "core/exchange/report_data.h"
#include "core/store/experiment_store.h"
#include "core/util/error.h"
#include "tests/exchange/experiment_fixture.h"
#include "ui/report/chart_painter.h"
#include "ui/report/report_writer.h"

#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>
#include <set>

using namespace lieq;
using namespace lieq::ui::report;

namespace {

exchange::ReportData fixtureReport(QTemporaryDir &dir, ExperimentFixture &f)
{
    store::ExperimentStore s(dir.filePath(QStringLiteral("s.sqlite")).toStdString());
    f.write(s);
    exchange::ReportOptions o;
    o.bootstrapResamples = 300;
    o.versions = {{"lieq", "test"}, {"Qt", qVersion()}};
    return exchange::collectReport(
        s, exchange::parseRunRefs({"q" + std::to_string(f.rtnId), "q" + std::to_string(f.gptqId)}), o);
}

int filesIn(const QString &dir) { return int(QDir(dir).entryList(QDir::Files | QDir::Hidden).size()); }

} // namespace

class TestReport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void niceTicks_data()
    {
        QTest::addColumn<double>("lo");
        QTest::addColumn<double>("hi");
        QTest::addColumn<bool>("integer");
        QTest::addColumn<QList<double>>("expected");
        QTest::newRow("unit") << 0.0 << 1.0 << false << QList<double>{0, 0.2, 0.4, 0.6, 0.8, 1.0};
        QTest::newRow("negative") << -3.2 << 7.9 << false << QList<double>{-2, 0, 2, 4, 6};
        QTest::newRow("layers") << -0.6 << 7.6 << true << QList<double>{0, 2, 4, 6};
        QTest::newRow("few layers") << -0.6 << 2.6 << true << QList<double>{0, 1, 2};
    }
    void niceTicks()
    {
        QFETCH(double, lo);
        QFETCH(double, hi);
        QFETCH(bool, integer);
        QFETCH(QList<double>, expected);
        const auto t = ChartPainter::niceTicks(lo, hi, 5, integer);
        QCOMPARE(int(t.size()), int(expected.size()));
        for (std::size_t i = 0; i < t.size(); ++i)
            QVERIFY2(std::abs(t[i] - expected[int(i)]) < 1e-9, qPrintable(QString::number(t[i])));
    }

    void chartDrawsEveryPointInsideTheFrame()
    {
        ChartSpec s;
        s.title = QStringLiteral("t");
        s.series.push_back({QStringLiteral("a"), ChartSeries::Style::Points, Qt::red, {0, 5, 10}, {1, 100, 10000}, {}});
        s.logY = true;
        const QImage img = ChartPainter(s).image(QSize(600, 400), 1.0);
        QCOMPARE(img.size(), QSize(600, 400));
        // Three red discs, one in each third of the width, none clipped away by the frame.
        int thirds[3] = {0, 0, 0};
        for (int y = 0; y < img.height(); ++y)
            for (int x = 0; x < img.width(); ++x) {
                const QColor c = img.pixelColor(x, y);
                if (c.red() > 200 && c.green() < 80 && c.blue() < 80)
                    ++thirds[3 * x / img.width()];
            }
        for (int n : thirds)
            QVERIFY2(n >= 12, qPrintable(QString::number(n)));
    }

    void rendersHtmlAndPdf()
    {
        QTemporaryDir dir;
        ExperimentFixture f;
        const exchange::ReportData d = fixtureReport(dir, f);
        const QString html = dir.filePath(QStringLiteral("r.html")), pdf = dir.filePath(QStringLiteral("r.pdf"));
        int pages = 0;
        std::set<std::string> stages;
        const auto written = writeReport(d, html.toStdString(), pdf.toStdString(),
                                         [&](const Progress &p) { stages.insert(p.stage); return true; }, &pages);
        QCOMPARE(written.size(), std::size_t(2));
        QVERIFY(stages.count("report charts") && stages.count("report pdf"));
        QFile h(html);
        QVERIFY(h.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(h.readAll());
        for (const char *needle : {"tiny-qwen3", "Qwen3ForCausalLM", "wikitext2", "1843.2", "312.7", "232.6", "piqa",
                                   "spearman", "Perplexity drop dPPL", "Bit plan", "data:image/png;base64,",
                                   "quantize_s: 4.5", "Qt", "Versions"})
            QVERIFY2(text.contains(QLatin1String(needle)), needle);
        QCOMPARE(text.count(QStringLiteral("<img ")), 4 + 2); // 3 curves + scatter, bits + ppl-vs-bits
        QFile p(pdf);
        QVERIFY(p.open(QIODevice::ReadOnly));
        const QByteArray bytes = p.readAll();
        QVERIFY(bytes.startsWith("%PDF-"));
        QVERIFY2(pages >= 4 && pages <= 8, qPrintable(QString::number(pages)));
        QCOMPARE(filesIn(dir.path()), 1 + 2); // the store and the two files, no temporaries
        if (const QByteArray keep = qgetenv("LIEQ_REPORT_KEEP"); !keep.isEmpty()) {
            QFile::remove(QString::fromLocal8Bit(keep) + QStringLiteral("/report.pdf"));
            QFile::remove(QString::fromLocal8Bit(keep) + QStringLiteral("/report.html"));
            QFile::copy(pdf, QString::fromLocal8Bit(keep) + QStringLiteral("/report.pdf"));
            QFile::copy(html, QString::fromLocal8Bit(keep) + QStringLiteral("/report.html"));
        }
    }

    void failuresLeaveNothing_data()
    {
        QTest::addColumn<QString>("failure");
        QTest::newRow("missing folder") << "folder";
        QTest::newRow("cancel") << "cancel";
    }
    void failuresLeaveNothing()
    {
        QFETCH(QString, failure);
        QTemporaryDir dir;
        ExperimentFixture f;
        const exchange::ReportData d = fixtureReport(dir, f);
        const int before = filesIn(dir.path());
        const std::string html = dir.filePath(QStringLiteral("r.html")).toStdString();
        const std::string pdf = failure == QLatin1String("folder")
                                    ? dir.filePath(QStringLiteral("no/such/r.pdf")).toStdString()
                                    : dir.filePath(QStringLiteral("r.pdf")).toStdString();
        ProgressFn progress;
        if (failure == QLatin1String("cancel"))
            progress = [](const Progress &p) { return p.stage != "report pdf"; };
        try {
            writeReport(d, html, pdf, progress);
            QFAIL("expected a failure");
        } catch (const Cancelled &) {
            QCOMPARE(failure, QStringLiteral("cancel"));
        } catch (const Error &e) {
            QCOMPARE(failure, QStringLiteral("folder"));
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("no/such/r.pdf")), e.what());
        }
        // Rendering happens before anything is written: neither file exists.
        QVERIFY(!QFile::exists(QString::fromStdString(html)));
        QCOMPARE(filesIn(dir.path()), before);
    }
};

QTEST_MAIN(TestReport)
#include "tst_report.moc"
