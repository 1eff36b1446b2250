#pragma once

#include "ui/modelsummary.h"

#include <QMainWindow>

#include <optional>
#include <utility>
#include <vector>

class QLabel;
class QMenu;
class QMimeData;
class QProgressBar;
class QTabWidget;
class QToolButton;

namespace lieq::ui {

class JobRunner;
class MemoryMonitor;
class MessageBar;
class SummaryPanel;
struct JobProgress;

// The workbench window: model summary on the left, the views as tabs, a message bar for
// errors, and a status bar with the running job (progress, ETA, cancel) and memory use.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens a model folder in a worker thread; the result arrives as modelOpened or
    // modelOpenFailed (also shown in the message bar).
    void openModel(const QString &dir);
    const std::optional<OpenedModel> &currentModel() const { return m_model; }

    JobRunner *jobs() const { return m_jobs; }
    MessageBar *messageBar() const { return m_messages; }
    SummaryPanel *summaryPanel() const { return m_summary; }
    QTabWidget *tabs() const { return m_tabs; }
    QMenu *toolsMenu() const { return m_toolsMenu; } // views add their tools (Tools > Sweep…)
    QLabel *memoryLabel() const { return m_memoryLabel; }
    // Adds a view as a tab; index shortcuts Ctrl+1.. follow the order of addition.
    void addView(QWidget *view, const QString &objectName);

Q_SIGNALS:
    void modelOpened(const lieq::ui::ModelSummary &summary);
    void modelOpenFailed(const QString &message);
    void modelChanged(); // currentModel() changed (opened or closed)
    void settingsChanged(); // the Settings dialog applied new values
    void exportRequested();

public Q_SLOTS:
    void showOpenDialog();
    void showSettings();
    void showAbout();
    void closeModel();

protected:
    void dragEnterEvent(QDragEnterEvent *e) override;
    void dropEvent(QDropEvent *e) override;
    void closeEvent(QCloseEvent *e) override;

private:
    void createActions();
    // A menu of the menu bar, and an action of `menu` calling `slot`, whose texts (QT_TR_NOOP
    // sources) retranslate() keeps in the current language.
    QMenu *addBarMenu(const char *title);
    template<typename Slot>
    QAction *addMenuAction(QMenu *menu, const char *text, Slot slot);
    void retranslate();
    void rebuildRecentMenu();
    void onJobProgress(const JobProgress &p);
    void onJobEnded();
    void updateTitle();
    static QString folderFromMime(const QMimeData *mime);

    JobRunner *m_jobs;
    MemoryMonitor *m_memory;
    MessageBar *m_messages;
    SummaryPanel *m_summary;
    QTabWidget *m_tabs;
    QLabel *m_jobLabel;
    QProgressBar *m_jobBar;
    QToolButton *m_cancelButton;
    QLabel *m_memoryLabel;
    // Every menu title and action text with its untranslated source (a menu's title is its
    // menuAction's text).
    std::vector<std::pair<QAction *, const char *>> m_menuTexts;
    QMenu *m_recentMenu = nullptr;
    QMenu *m_viewMenu = nullptr;
    QMenu *m_toolsMenu = nullptr;
    QAction *m_closeAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_cancelAction = nullptr;
    QList<QAction *> m_viewActions;
    std::optional<OpenedModel> m_model;
    quint64 m_shownJob = 0;
    bool m_jobTextIsResult = false; // the status text reports a finished job, keep it
};

} // namespace lieq::ui
