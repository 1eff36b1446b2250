// Main window: opening models (dialog path, drag and drop, recent list), the summary, errors
// shown in the window, shortcuts, the About version, the memory label and run-time language
// switching.
#include "tests/support/testutil.h"
#include "ui/aboutdialog.h"
#include "ui/appsettings.h"
#include "ui/languagemanager.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/settingsdialog.h"
#include "ui/summarypanel.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QUrl>

using namespace lieq::ui;

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // keep the user's settings out of it
        QCoreApplication::setOrganizationName(QStringLiteral("LieQTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        for (const QString &p : AppSettings::recentModels())
            AppSettings::removeRecentModel(p);
    }

    void opensStories260K()
    {
        LIEQ_REQUIRE_SHARED(dir, "models/stories260K-hf");
        MainWindow w;
        QSignalSpy opened(&w, &MainWindow::modelOpened);
        w.openModel(QString::fromStdString(dir));
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
        const auto s = opened.first().first().value<ModelSummary>();
        QCOMPARE(s.architecture, QStringLiteral("llama"));
        QCOMPARE(s.layers, 5);
        QCOMPARE(s.hiddenSize, 64);
        QCOMPARE(s.heads, 8);
        QCOMPARE(s.kvHeads, 4);
        // 5 x (q 64x64 + k,v 32x64 + o 64x64 + gate,up,down 64x172) + norms + tied embedding.
        QCOMPARE(s.decoderLinearParams, 5 * (4096 + 2048 + 2048 + 4096 + 3 * 11008));
        QCOMPARE(s.parameters, 260032);
        QCOMPARE(s.dtype, QStringLiteral("F32"));
        QCOMPARE(s.sizeOnDisk, QFileInfo(QString::fromStdString(dir) + QStringLiteral("/model.safetensors")).size() +
                                   QFileInfo(QString::fromStdString(dir) + QStringLiteral("/config.json")).size());
        QCOMPARE(w.summaryPanel()->field(QStringLiteral("layers")), QStringLiteral("5"));
        QVERIFY(w.summaryPanel()->field(QStringLiteral("architecture")).startsWith(QStringLiteral("llama")));
        QVERIFY(w.currentModel().has_value());
        QVERIFY(w.windowTitle().contains(QStringLiteral("stories260K-hf")));
        QCOMPARE(AppSettings::recentModels().value(0), QDir::cleanPath(QString::fromStdString(dir)));
        QVERIFY(!w.messageBar()->isVisible());
    }

    void errorsShownInWindow_data()
    {
        QTest::addColumn<QString>("setup");
        QTest::addColumn<QString>("expectedFragment");
        QTest::newRow("empty folder") << QString() << QStringLiteral("config.json");
        QTest::newRow("pickle only") << QStringLiteral("pickle") << QStringLiteral("safetensors");
        QTest::newRow("config without weights") << QStringLiteral("badjson") << QStringLiteral("model.safetensors");
    }
    void errorsShownInWindow()
    {
        QFETCH(QString, setup);
        QFETCH(QString, expectedFragment);
        QTemporaryDir tmp;
        if (setup == QLatin1StringView("pickle")) {
            writeFile(tmp.filePath(QStringLiteral("config.json")),
                      R"({"model_type":"llama","vocab_size":8,"hidden_size":4,"intermediate_size":8,
                          "num_hidden_layers":1,"num_attention_heads":1})");
            writeFile(tmp.filePath(QStringLiteral("pytorch_model.bin")), "PK\x03\x04");
        } else if (setup == QLatin1StringView("badjson")) {
            writeFile(tmp.filePath(QStringLiteral("config.json")), "{ not json");
        }
        MainWindow w;
        QSignalSpy failed(&w, &MainWindow::modelOpenFailed);
        QSignalSpy opened(&w, &MainWindow::modelOpened);
        w.show();
        w.openModel(tmp.path());
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
        QCOMPARE(opened.count(), 0);
        const QString msg = failed.first().first().toString();
        QVERIFY2(msg.contains(expectedFragment, Qt::CaseInsensitive), qPrintable(msg));
        QVERIFY2(msg.contains(tmp.path()), qPrintable(msg)); // names the folder
        QVERIFY(w.messageBar()->isVisible());
        QCOMPARE(w.messageBar()->kind(), MessageBar::Kind::Error);
        QCOMPARE(w.messageBar()->text(), msg);
        QVERIFY(!w.currentModel().has_value());
    }

    void dropFolderOpensIt()
    {
        LIEQ_REQUIRE_SHARED(dir, "models/stories260K-hf");
        MainWindow w;
        w.show();
        QSignalSpy opened(&w, &MainWindow::modelOpened);
        QMimeData mime;
        // Dropping the config.json file opens its folder.
        mime.setUrls({QUrl::fromLocalFile(QString::fromStdString(dir) + QStringLiteral("/config.json"))});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        enter.setAccepted(false);
        QCoreApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&w, &drop);
        QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, 20000);
        QCOMPARE(opened.first().first().value<ModelSummary>().layers, 5);
    }

    void dropOfNonFileIgnored()
    {
        MainWindow w;
        QMimeData mime;
        mime.setText(QStringLiteral("hello"));
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        enter.setAccepted(false);
        QCoreApplication::sendEvent(&w, &enter);
        QVERIFY(!enter.isAccepted());
    }

    void recentListIsBoundedAndDeduplicated()
    {
        for (int i = 0; i < 12; ++i)
            AppSettings::addRecentModel(QStringLiteral("/models/m%1").arg(i));
        AppSettings::addRecentModel(QStringLiteral("/models/m5/"));
        const QStringList r = AppSettings::recentModels();
        QCOMPARE(r.size(), AppSettings::kMaxRecent);
        QCOMPARE(r.first(), QStringLiteral("/models/m5"));
        QCOMPARE(r.count(QStringLiteral("/models/m5")), 1);
    }

    void shortcuts_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QKeySequence>("key");
        QTest::newRow("open") << QStringLiteral("&Open model folder…") << QKeySequence(QKeySequence::Open);
        QTest::newRow("quit") << QStringLiteral("&Quit") << QKeySequence(QKeySequence::Quit);
        QTest::newRow("cancel") << QStringLiteral("Cancel running job") << QKeySequence(Qt::Key_Escape);
    }
    void shortcuts()
    {
        QFETCH(QString, text);
        QFETCH(QKeySequence, key);
        MainWindow w;
        QAction *found = nullptr;
        for (QAction *a : w.findChildren<QAction *>())
            if (a->text() == text)
                found = a;
        QVERIFY2(found, qPrintable(text));
        QCOMPARE(found->shortcut(), key);
    }

    void aboutShowsVersionAndHash()
    {
        const QString v = AboutDialog::versionString();
        QVERIFY(v.startsWith(QStringLiteral("0.")));
        QVERIFY(v.contains(QLatin1Char('(')));
        QVERIFY(!v.contains(QStringLiteral("@")));
        AboutDialog d;
        QVERIFY(d.findChild<QLabel *>(QStringLiteral("aboutText"))->text().contains(v));
    }

    void memoryInStatusBar()
    {
        MainWindow w;
        QTRY_VERIFY_WITH_TIMEOUT(!w.memoryLabel()->text().isEmpty(), 3000);
        QVERIFY(w.memoryLabel()->text().contains(QStringLiteral("B")));
    }

    // The language switches at run time, through the Settings dialog, and back.
    void languageSwitch_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("fileMenu");
        QTest::newRow("de") << QStringLiteral("de") << QStringLiteral("&Datei");
        QTest::newRow("zh_CN") << QStringLiteral("zh_CN") << QString::fromUtf8("文件(&F)");
    }
    void languageSwitch()
    {
        QFETCH(QString, code);
        QFETCH(QString, fileMenu);
        MainWindow w;
        QCOMPARE(w.menuBar()->actions().first()->text(), QStringLiteral("&File"));
        SettingsDialog dialog(&w);
        dialog.languageBox()->setCurrentIndex(dialog.languageBox()->findData(code));
        dialog.apply();
        QCOMPARE(LanguageManager::current(), code);
        // LanguageChange reaches the widgets as posted events.
        QTRY_COMPARE(w.menuBar()->actions().first()->text(), fileMenu);
        QTRY_VERIFY(dialog.windowTitle() != QStringLiteral("Settings"));
        dialog.languageBox()->setCurrentIndex(dialog.languageBox()->findData(QStringLiteral("en")));
        dialog.apply();
        QTRY_COMPARE(w.menuBar()->actions().first()->text(), QStringLiteral("&File"));
        QTRY_COMPARE(dialog.windowTitle(), QStringLiteral("Settings"));
    }

private:
    static void writeFile(const QString &path, const QByteArray &data)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(data);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
