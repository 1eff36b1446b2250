#pragma once

#include <QObject>
#include <QString>

#include <memory>

namespace lieq::ui {

class MainWindow;

// Assembles the main window with its views and wires them to each other; the GUI's main()
// and the screenshot test both go through it so that they show the same application.
class Workbench : public QObject
{
    Q_OBJECT
public:
    Workbench();
    ~Workbench() override;

    static QString version();
    MainWindow *window() const { return m_window.get(); }

    // Shows the window and opens `model` (or the most recent model) when given.
    void show(const QString &model);
    // Opens `model`, saves a PNG of every view into `dir`, returns 0 on success (for xvfb runs).
    int runScreenshots(const QString &model, const QString &dir);

private:
    std::unique_ptr<MainWindow> m_window;
};

} // namespace lieq::ui
