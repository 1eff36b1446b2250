#include "ui/mainwindow.h"

#include "core/io/checkpoint.h"
#include "core/util/demo_model.h"
#include "ui/aboutdialog.h"
#include "ui/appsettings.h"
#include "ui/historypanel.h"
#include "ui/jobrunner.h"
#include "ui/memorymonitor.h"
#include "ui/messagebar.h"
#include "ui/retranslator.h"
#include "ui/runqueue.h"
#include "ui/settingsdialog.h"
#include "ui/summarypanel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QProgressBar>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace lieq::ui {

static const QString kOpenKey = QStringLiteral("open-model");

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/lieq.png")));
    setAcceptDrops(true);
    m_jobs = new JobRunner(this);
    m_memory = new MemoryMonitor(this);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(4, 4, 4, 4);
    m_messages = new MessageBar(central);
    layout->addWidget(m_messages);
    auto *splitter = new QSplitter(Qt::Horizontal, central);
    auto *scroll = new QScrollArea(splitter);
    m_summary = new SummaryPanel;
    scroll->setWidget(m_summary);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(230);
    m_tabs = new QTabWidget(splitter);
    m_tabs->setDocumentMode(true);
    splitter->addWidget(scroll);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({260, 900});
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    m_jobLabel = new QLabel(this);
    m_jobBar = new QProgressBar(this);
    m_jobBar->setRange(0, 1000);
    m_jobBar->setMaximumWidth(220);
    m_jobBar->setTextVisible(false);
    m_cancelButton = new QToolButton(this);
    m_memoryLabel = new QLabel(this);
    m_memoryLabel->setObjectName(QStringLiteral("memoryLabel"));
    statusBar()->addWidget(m_jobLabel, 1);
    statusBar()->addPermanentWidget(m_jobBar);
    statusBar()->addPermanentWidget(m_cancelButton);
    statusBar()->addPermanentWidget(m_memoryLabel);
    m_jobBar->hide();
    m_cancelButton->hide();

    createActions();
    connect(m_cancelButton, &QToolButton::clicked, m_cancelAction, &QAction::trigger);
    connect(m_jobs, &JobRunner::progress, this, &MainWindow::onJobProgress);
    connect(m_jobs, &JobRunner::started, this, [this](JobId id, const QString &) {
        m_shownJob = id;
        m_jobBar->setValue(0);
        m_jobBar->show();
        m_cancelButton->show();
        m_cancelAction->setEnabled(true);
    });
    connect(m_jobs, &JobRunner::finished, this, [this] { onJobEnded(); });
    connect(m_summary, &SummaryPanel::openRequested, this, [this](const QString &folder) {
        if (folder.isEmpty())
            showOpenDialog();
        else
            openModel(folder);
    });
    connect(m_jobs, &JobRunner::failed, this,
            [this](JobId, const QString &, const QString &msg) { m_messages->showError(msg); });
    connect(m_memory, &MemoryMonitor::residentChanged, this, [this](qint64 rss, qint64 peak) {
        m_memoryLabel->setText(tr("Memory: %1 (peak %2)").arg(formatBytes(rss), formatBytes(peak)));
    });
    Retranslator::attach(this, [this] { retranslate(); });
    resize(1280, 800);
}

MainWindow::~MainWindow() = default;

QMenu *MainWindow::addBarMenu(const char *title)
{
    QMenu *menu = menuBar()->addMenu(QString());
    m_menuTexts.emplace_back(menu->menuAction(), title);
    return menu;
}

template<typename Slot>
QAction *MainWindow::addMenuAction(QMenu *menu, const char *text, Slot slot)
{
    QAction *action = menu->addAction(QString(), this, slot);
    m_menuTexts.emplace_back(action, text);
    return action;
}

void MainWindow::createActions()
{
    QMenu *file = addBarMenu(QT_TR_NOOP("&File"));
    QAction *openAction = addMenuAction(file, QT_TR_NOOP("&Open model folder…"), &MainWindow::showOpenDialog);
    openAction->setIcon(QIcon::fromTheme(QStringLiteral("document-open")));
    openAction->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(QString());
    m_menuTexts.emplace_back(m_recentMenu->menuAction(), QT_TR_NOOP("Open &recent"));
    m_closeAction = addMenuAction(file, QT_TR_NOOP("&Close model"), &MainWindow::closeModel);
    m_closeAction->setShortcut(QKeySequence::Close);
    m_exportAction = addMenuAction(file, QT_TR_NOOP("&Export…"), &MainWindow::exportRequested);
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    // File > Import: a bundle's runs go into the store History shows (HistoryPanel imports).
    addMenuAction(file, QT_TR_NOOP("&Import bundle…"), [this] {
        auto *history = findChild<HistoryPanel *>();
        const QString path = QFileDialog::getOpenFileName(this, tr("Import a bundle"), QString(),
                                                          tr("LieQ bundles (*.zip);;All files (*)"));
        if (history && !path.isEmpty()) {
            history->importBundle(path);
            if (auto *tabs = this->tabs())
                tabs->setCurrentWidget(history);
        }
    });
    file->addSeparator();
    QAction *quit = addMenuAction(file, QT_TR_NOOP("&Quit"), &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    m_viewMenu = addBarMenu(QT_TR_NOOP("&View"));
    m_toolsMenu = addBarMenu(QT_TR_NOOP("&Tools"));
    m_cancelAction = addMenuAction(m_toolsMenu, QT_TR_NOOP("Cancel running job"), [this] {
        if (m_shownJob)
            m_jobs->cancel(m_shownJob);
    });
    m_cancelAction->setShortcut(Qt::Key_Escape);
    m_cancelAction->setEnabled(false);
    m_toolsMenu->addSeparator();
    QAction *settings = addMenuAction(m_toolsMenu, QT_TR_NOOP("&Settings…"), &MainWindow::showSettings);
    settings->setShortcut(QKeySequence::Preferences);
    if (settings->shortcut().isEmpty())
        settings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settings->setMenuRole(QAction::PreferencesRole);

    QMenu *help = addBarMenu(QT_TR_NOOP("&Help"));
    addMenuAction(help, QT_TR_NOOP("&About LieQ Workbench"), &MainWindow::showAbout)->setMenuRole(QAction::AboutRole);
    rebuildRecentMenu();
}

void MainWindow::addView(QWidget *view, const QString &objectName)
{
    view->setObjectName(objectName);
    m_tabs->addTab(view, view->windowTitle());
    const int index = m_tabs->count() - 1;
    auto *action = m_viewMenu->addAction(view->windowTitle(), this,
                                         [this, index] { m_tabs->setCurrentIndex(index); });
    if (index < 9)
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + index)));
    m_viewActions.append(action);
    // Views set their own (translated) window title; keep tab and menu texts in step.
    connect(view, &QWidget::windowTitleChanged, this, [this, view, action](const QString &t) {
        m_tabs->setTabText(m_tabs->indexOf(view), t);
        action->setText(t);
    });
}

void MainWindow::retranslate()
{
    for (const auto &[item, source] : m_menuTexts)
        item->setText(tr(source));
    m_cancelButton->setText(tr("Cancel"));
    m_cancelButton->setToolTip(tr("Cancel the running job (Esc)"));
    if (!m_jobBar->isVisible())
        m_jobLabel->setText(tr("Ready"));
    if (m_memory->lastResidentBytes() > 0)
        m_memoryLabel->setText(tr("Memory: %1 (peak %2)")
                                   .arg(formatBytes(m_memory->lastResidentBytes()),
                                        formatBytes(m_memory->peakResidentBytes())));
    rebuildRecentMenu();
    updateTitle();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = AppSettings::recentModels();
    for (const QString &path : recent) {
        QAction *a = m_recentMenu->addAction(QFileInfo(path).fileName(), this,
                                             [this, path] { openModel(path); });
        a->setToolTip(path);
        a->setStatusTip(path);
    }
    m_summary->setStartChoices(recent, QString::fromStdString(lieq::findDemoModel().string()));
    if (recent.isEmpty()) {
        m_recentMenu->addAction(tr("(none)"))->setEnabled(false);
    } else {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear list"), this, [this] {
            for (const QString &p : AppSettings::recentModels())
                AppSettings::removeRecentModel(p);
            rebuildRecentMenu();
        });
    }
}

void MainWindow::updateTitle()
{
    // What needs a model is only offered with one open.
    m_closeAction->setEnabled(m_model.has_value());
    m_exportAction->setEnabled(m_model.has_value());
    if (m_model)
        setWindowTitle(m_model->summary.name + QStringLiteral(" — ") + tr("LieQ Workbench"));
    else
        setWindowTitle(tr("LieQ Workbench"));
}

void MainWindow::showOpenDialog()
{
    const QStringList recent = AppSettings::recentModels();
    const QString start = recent.isEmpty() ? QDir::homePath() : QFileInfo(recent.first()).path();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open model folder"), start);
    if (!dir.isEmpty())
        openModel(dir);
}

void MainWindow::openModel(const QString &dir)
{
    m_jobLabel->setText(tr("Opening %1…").arg(QDir::toNativeSeparators(dir)));
    const std::string path = QDir::cleanPath(dir).toStdString();
    m_jobs->start<OpenedModel>(
        kOpenKey,
        [path](const lieq::ProgressFn &progress) {
            lieq::reportProgress(progress, {"opening model", 0, 1, path});
            auto ck = std::make_shared<const lieq::Checkpoint>(path);
            OpenedModel m{ck, summarizeCheckpoint(*ck)};
            lieq::reportProgress(progress, {"opening model", 1, 1, path});
            return m;
        },
        [this](OpenedModel m) {
            m_model = std::move(m);
            m_summary->setSummary(m_model->summary);
            AppSettings::addRecentModel(m_model->summary.path);
            rebuildRecentMenu();
            updateTitle();
            m_messages->hide();
            m_jobLabel->setText(tr("Opened %1").arg(m_model->summary.name));
            m_jobTextIsResult = true;
            Q_EMIT modelChanged();
            Q_EMIT modelOpened(m_model->summary);
        });
    // Failures of this job also go to modelOpenFailed (the generic handler shows them).
    const JobId id = m_jobs->currentJob(kOpenKey);
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(m_jobs, &JobRunner::failed, this,
                    [this, id, conn](JobId failedId, const QString &, const QString &msg) {
                        if (failedId != id)
                            return;
                        disconnect(*conn);
                        Q_EMIT modelOpenFailed(msg);
                    });
    connect(m_jobs, &JobRunner::finished, this, [this, id, conn](JobId doneId) {
        if (doneId == id)
            disconnect(*conn);
    });
}

void MainWindow::closeModel()
{
    m_jobs->cancelKey(kOpenKey);
    m_model.reset();
    m_summary->clear();
    updateTitle();
    Q_EMIT modelChanged();
}

void MainWindow::onJobProgress(const JobProgress &p)
{
    m_shownJob = p.id;
    m_jobBar->show();
    m_cancelButton->show();
    m_jobBar->setValue(int(p.fraction * 1000));
    m_jobTextIsResult = false;
    QString text = RunQueue::stageText(p);
    if (p.etaSeconds >= 0 && p.fraction < 1.0)
        text += QStringLiteral("  ") + tr("ETA %1 s").arg(p.etaSeconds, 0, 'f', p.etaSeconds < 10 ? 1 : 0);
    m_jobLabel->setText(text);
}

void MainWindow::onJobEnded()
{
    if (m_jobs->runningCount() > 0)
        return;
    m_jobBar->hide();
    m_cancelButton->hide();
    m_cancelAction->setEnabled(false);
    m_shownJob = 0;
    // Messages of finished jobs ("Opened …") stay; a stale progress line does not. (A flag,
    // not the label's text: translations put the model name anywhere in the sentence.)
    if (!m_jobTextIsResult)
        m_jobLabel->setText(tr("Ready"));
}

void MainWindow::showSettings()
{
    SettingsDialog dialog(this);
    connect(&dialog, &SettingsDialog::settingsApplied, this, &MainWindow::settingsChanged);
    dialog.exec();
}

void MainWindow::showAbout()
{
    AboutDialog dialog(this);
    dialog.exec();
}

QString MainWindow::folderFromMime(const QMimeData *mime)
{
    if (!mime || !mime->hasUrls())
        return {};
    for (const QUrl &url : mime->urls()) {
        if (!url.isLocalFile())
            continue;
        const QFileInfo info(url.toLocalFile());
        // A dropped config.json or .safetensors file means its folder.
        if (info.isDir())
            return info.absoluteFilePath();
        if (info.isFile())
            return info.absolutePath();
    }
    return {};
}

void MainWindow::dragEnterEvent(QDragEnterEvent *e)
{
    if (!folderFromMime(e->mimeData()).isEmpty())
        e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *e)
{
    const QString dir = folderFromMime(e->mimeData());
    if (dir.isEmpty())
        return;
    e->acceptProposedAction();
    openModel(dir);
}

void MainWindow::closeEvent(QCloseEvent *e)
{
    m_jobs->cancelAll(); // workers notice within one progress step; ~JobRunner waits
    QMainWindow::closeEvent(e);
}

} // namespace lieq::ui
