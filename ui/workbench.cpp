#include "ui/workbench.h"

#include "ui/aboutdialog.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"

#include <QDir>
#include <QEventLoop>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>

namespace lieq::ui {

Workbench::Workbench() : m_window(std::make_unique<MainWindow>()) {}

Workbench::~Workbench() = default;

QString Workbench::version() { return AboutDialog::versionString(); }

void Workbench::show(const QString &model)
{
    m_window->show();
    if (!model.isEmpty())
        m_window->openModel(model);
}

int Workbench::runScreenshots(const QString &model, const QString &dir)
{
    QDir().mkpath(dir);
    m_window->resize(1400, 860);
    m_window->show();
    bool ok = true;
    if (!model.isEmpty()) {
        // A local event loop, run once until the model opened: this is a batch mode, not the
        // interactive GUI, and nothing else is waiting on the thread.
        QEventLoop loop;
        QObject::connect(m_window.get(), &MainWindow::modelOpened, &loop, &QEventLoop::quit);
        QObject::connect(m_window.get(), &MainWindow::modelOpenFailed, &loop, [&](const QString &m) {
            std::fprintf(stderr, "open failed: %s\n", qPrintable(m));
            ok = false;
            loop.quit();
        });
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        m_window->openModel(model);
        loop.exec();
    }
    auto save = [&](const QString &name) {
        QEventLoop settle;
        QTimer::singleShot(300, &settle, &QEventLoop::quit); // let charts lay out and paint
        settle.exec();
        const QString file = dir + QStringLiteral("/") + name + QStringLiteral(".png");
        if (!m_window->grab().save(file)) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(file));
            ok = false;
        } else {
            std::printf("%s\n", qPrintable(file));
        }
    };
    QTabWidget *tabs = m_window->tabs();
    if (tabs->count() == 0)
        save(QStringLiteral("main"));
    for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        save(QStringLiteral("view_") + tabs->widget(i)->objectName());
    }
    return ok ? 0 : 1;
}

} // namespace lieq::ui
