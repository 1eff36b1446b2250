// The GUI's exports: History > Export… writes GGUF, GPTQ, report and bundle of a stored run in a
// worker thread (progress, cancel), records them, and History lists where they went; History >
// Import (and File > Import bundle…) restores a bundle into another store.
#include "core/model/compute_threads.h"
#include "core/store/experiment_store.h"
#include "tests/exchange/experiment_fixture.h"
#include "tests/export/export_fixture.h"
#include "tests/support/tiny_checkpoint.h"
#include "ui/appsettings.h"
#include "ui/historymodel.h"
#include "ui/historypanel.h"
#include "ui/jobrunner.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/runexportdialog.h"
#include "ui/workbench.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <memory>

using namespace lieq;
using namespace lieq::ui;

namespace {

// A store whose quantization runs point at a real run checkpoint of a tiny model.
struct Stored
{
    QTemporaryDir dir;
    ExperimentFixture f;
    QString store = dir.filePath(QStringLiteral("s.sqlite"));

    Stored()
    {
        test::TinyModelSpec spec;
        spec.hidden = 256;
        spec.intermediate = 512;
        spec.layers = 2;
        const std::string model = test::writeTinyCheckpoint(dir.filePath(QStringLiteral("model")).toStdString(), spec);
        test::RunSpec rs;
        rs.layerBits = {4, 2};
        const std::string run = test::quantizeRun(model, rs, dir.filePath(QStringLiteral("run")).toStdString());
        store::ExperimentStore s(store.toStdString());
        f.write(s, run);
    }
};

int rowOf(HistoryPanel &h, store::RunKind kind, std::int64_t id)
{
    for (int r = 0; r < h.model()->rowCount(); ++r)
        if (h.model()->at(r).kind == kind && h.model()->at(r).id == id)
            return r;
    return -1;
}

void loadHistory(HistoryPanel &h, const QString &store)
{
    QSignalSpy spy(&h, &HistoryPanel::historyAvailable);
    h.setStorePath(store);
    QVERIFY(spy.wait(20000));
}

// Triggers `action` (which opens a QFileDialog) and answers the dialog with `file`.
void triggerAnsweringFileDialog(QAction *action, const QString &file)
{
    // The dialog runs its own event loop inside trigger(); poll until it shows, then type the
    // path as a user would (selectFile() leaves a focused name field alone).
    auto answer = std::make_shared<std::function<void()>>();
    *answer = [file, weak = std::weak_ptr<std::function<void()>>(answer)] {
        auto *d = qobject_cast<QFileDialog *>(QApplication::activeModalWidget());
        if (auto *name = d ? d->findChild<QLineEdit *>(QStringLiteral("fileNameEdit")) : nullptr)
            name->setText(file);
        if (d && d->selectedFiles() == QStringList{file})
            static_cast<QDialog *>(d)->accept(); // QFileDialog::accept is protected, QDialog's public
        else if (auto again = weak.lock())
            QTimer::singleShot(20, *again);
    };
    QTimer::singleShot(20, *answer);
    action->trigger();
}

QAction *fileMenuAction(QMainWindow &w, const QString &text)
{
    for (QAction *a : w.menuBar()->actions())
        if (a->menu())
            for (QAction *b : a->menu()->actions())
                if (b->text().contains(text))
                    return b;
    return nullptr;
}

// A bundle of the RTN and GPTQ runs of `s`, written through the Export dialog.
QString writeBundle(Stored &s, JobRunner &jobs, const QString &dir)
{
    HistoryPanel h(&jobs);
    loadHistory(h, s.store);
    RunExportDialog *d = h.exportRows({rowOf(h, store::RunKind::Quant, s.f.rtnId), rowOf(h, store::RunKind::Quant, s.f.gptqId)});
    if (d->ggufBox()->isEnabled() || d->gptqBox()->isEnabled())
        return {}; // GGUF and GPTQ need exactly one quantization run: the dialog must not offer them
    d->setDirectory(dir);
    d->setBaseName(QStringLiteral("b"));
    d->pdfBox()->setChecked(false);
    d->bundleBox()->setChecked(true);
    QSignalSpy done(d, &RunExportDialog::exportAvailable);
    d->startExport();
    if (!done.wait(120000))
        return {};
    d->close();
    return QDir(dir).filePath(QStringLiteral("b.lieqbundle.zip"));
}

} // namespace

class TestExportGui : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("LieQTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_exportgui"));
        QCoreApplication::setAttribute(Qt::AA_DontUseNativeDialogs);
        setComputeThreads(1);
    }

    void exportsFromHistory()
    {
        Stored s;
        JobRunner jobs;
        HistoryPanel h(&jobs);
        loadHistory(h, s.store);
        const int row = rowOf(h, store::RunKind::Quant, s.f.gptqId);
        QVERIFY(row >= 0);
        RunExportDialog *d = h.exportRows({row});
        QVERIFY(d);
        QVERIFY(d->ggufBox()->isEnabled() && d->gptqBox()->isEnabled()); // one quantization run
        QTemporaryDir out;
        d->setDirectory(out.path());
        d->setBaseName(QStringLiteral("x"));
        for (QCheckBox *b : {d->ggufBox(), d->gptqBox(), d->pdfBox(), d->bundleBox()})
            b->setChecked(true);
        QSignalSpy done(d, &RunExportDialog::exportAvailable);
        d->startExport();
        QVERIFY2(done.wait(180000), qPrintable(d->statusLabel()->text()));
        const QStringList files = done.first().first().toStringList();
        QCOMPARE(files.size(), 4);
        for (const char *f : {"x.gguf", "x-gptq/config.json", "x.pdf", "x.lieqbundle.zip"})
            QVERIFY2(QFileInfo::exists(out.filePath(QString::fromLatin1(f))), f);
        QVERIFY(d->statusLabel()->text().contains(QStringLiteral("Warning"))); // 2-bit layer: vLLM

        QSignalSpy listed(&h, &HistoryPanel::exportsAvailable);
        h.table()->selectionModel()->clearSelection();
        h.showExports(row);
        QVERIFY(listed.wait(20000));
        const QString html = listed.last().first().toString();
        for (const char *f : {"x.gguf", "x-gptq", "x.pdf", "x.lieqbundle.zip", "gptq", "bundle"})
            QVERIFY2(html.contains(QString::fromLatin1(f)), f);
        // The analysis run is covered by the report and the bundle too.
        QSignalSpy listedA(&h, &HistoryPanel::exportsAvailable);
        h.showExports(rowOf(h, store::RunKind::Analysis, s.f.analysisId));
        QVERIFY(listedA.wait(20000));
        QVERIFY(listedA.last().first().toString().contains(QStringLiteral("x.pdf")));
        d->close();
    }

    void cancelLeavesNoPartialFile()
    {
        Stored s;
        JobRunner jobs;
        HistoryPanel h(&jobs);
        loadHistory(h, s.store);
        RunExportDialog *d = h.exportRows({rowOf(h, store::RunKind::Quant, s.f.rtnId)});
        QTemporaryDir out;
        d->setDirectory(out.path());
        d->pdfBox()->setChecked(false);
        d->bundleBox()->setChecked(true);
        d->checkpointBox()->setChecked(true);
        QSignalSpy cancelled(d, &RunExportDialog::exportCancelled);
        QSignalSpy done(d, &RunExportDialog::exportAvailable);
        d->startExport();
        QVERIFY(d->isExporting());
        d->cancelExport();
        QTRY_VERIFY_WITH_TIMEOUT(!d->isExporting(), 60000);
        if (done.count() == 0) {
            QCOMPARE(cancelled.count(), 1);
            QCOMPARE(QDir(out.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden).size(), 0);
        }
        d->close();
    }

    void importsIntoAnotherStore()
    {
        Stored s;
        JobRunner jobs;
        QTemporaryDir out;
        const QString bundle = writeBundle(s, jobs, out.path());
        QVERIFY(QFileInfo::exists(bundle));

        HistoryPanel other(&jobs);
        loadHistory(other, out.filePath(QStringLiteral("other.sqlite")));
        QCOMPARE(other.model()->rowCount(), 0);
        QSignalSpy imported(&other, &HistoryPanel::bundleImported);
        other.importBundle(bundle);
        QVERIFY(imported.wait(60000));
        QTRY_COMPARE_WITH_TIMEOUT(other.model()->rowCount(), 3, 20000); // two quant runs + their analysis
        QVERIFY(imported.first().first().toString().contains(QStringLiteral("rows added")));
    }

    // A failed export names the problem in the dialog, leaves no file, and the dialog still
    // exports what it can afterwards.
    void failedExportShowsTheMessage()
    {
        QTemporaryDir dir;
        const QString storePath = dir.filePath(QStringLiteral("s.sqlite"));
        ExperimentFixture f;
        {
            store::ExperimentStore st(storePath.toStdString());
            f.write(st); // runs without a checkpoint folder
        }
        JobRunner jobs;
        HistoryPanel h(&jobs);
        loadHistory(h, storePath);
        RunExportDialog *d = h.exportRows({rowOf(h, store::RunKind::Quant, f.gptqId)});
        QTemporaryDir out;
        d->setDirectory(out.path());
        d->setBaseName(QStringLiteral("f"));
        d->pdfBox()->setChecked(false);
        d->ggufBox()->setChecked(true);
        QSignalSpy failed(d, &RunExportDialog::exportFailed);
        d->startExport();
        QVERIFY(failed.wait(60000));
        QTRY_VERIFY(!d->isExporting());
        const QString message = failed.first().first().toString();
        QVERIFY2(message.contains(QStringLiteral("checkpoint")), qPrintable(message));
        QCOMPARE(d->statusLabel()->text(), message);
        QCOMPARE(QDir(out.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden).size(), 0);

        d->ggufBox()->setChecked(false);
        d->htmlBox()->setChecked(true);
        QSignalSpy done(d, &RunExportDialog::exportAvailable);
        d->startExport();
        QVERIFY2(done.wait(60000), qPrintable(d->statusLabel()->text()));
        QVERIFY(QFileInfo::exists(out.filePath(QStringLiteral("f.html"))));
        d->close();
    }

    // File > Import bundle… in the real window: a broken file gives a message naming it and
    // changes nothing; the application keeps working and then imports a real bundle.
    void fileMenuImportsIntoHistory()
    {
        Stored s;
        QTemporaryDir out;
        QString bundle;
        {
            JobRunner jobs;
            bundle = writeBundle(s, jobs, out.path());
        }
        QVERIFY(QFileInfo::exists(bundle));
        const QString notZip = out.filePath(QStringLiteral("broken.zip"));
        {
            QFile b(notZip);
            QVERIFY(b.open(QIODevice::WriteOnly));
            b.write("this is not a zip archive");
        }
        AppSettings::setStorePath(out.filePath(QStringLiteral("gui.sqlite")));
        Workbench wb;
        wb.window()->show(); // the message bar reports only while visible
        QVERIFY(QTest::qWaitForWindowExposed(wb.window()));
        HistoryPanel *h = wb.history();
        QTRY_COMPARE_WITH_TIMEOUT(h->storePath(), out.filePath(QStringLiteral("gui.sqlite")), 5000);
        QAction *import = fileMenuAction(*wb.window(), QStringLiteral("Import"));
        QVERIFY(import);

        QSignalSpy failed(h, &HistoryPanel::historyFailed);
        triggerAnsweringFileDialog(import, notZip);
        QVERIFY(failed.wait(30000));
        const QString message = failed.first().first().toString();
        QVERIFY2(message.contains(notZip) && message.contains(QStringLiteral("not a zip")), qPrintable(message));
        QTRY_COMPARE(wb.window()->messageBar()->text(), message);
        QCOMPARE(h->model()->rowCount(), 0);
        QCOMPARE(wb.window()->tabs()->currentWidget(), static_cast<QWidget *>(h));

        QSignalSpy imported(h, &HistoryPanel::bundleImported);
        triggerAnsweringFileDialog(import, bundle);
        QVERIFY(imported.wait(60000));
        QTRY_COMPARE_WITH_TIMEOUT(h->model()->rowCount(), 3, 20000); // two quant runs + their analysis
    }
};

QTEST_MAIN(TestExportGui)
#include "tst_exportgui.moc"
