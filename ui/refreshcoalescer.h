#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <functional>

class QWidget;

namespace lieq::ui {

// Turns bursts of "the data changed" into one redraw: at most one refresh per interval, and
// none while the owner widget is hidden (it catches up when shown). An analysis streams a layer
// every few milliseconds on small models; rebuilding four charts for each arrival is what kept
// the GUI thread busy. Queries that must reflect the data right now call flush().
class RefreshCoalescer : public QObject
{
    Q_OBJECT
public:
    RefreshCoalescer(QWidget *owner, std::function<void()> refresh, int intervalMs = 100);

    void request();        // the data changed: refresh soon
    void flush();          // a pending refresh runs now
    int refreshCount() const { return m_count; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void run();
    QWidget *m_owner;
    std::function<void()> m_refresh;
    int m_intervalMs;
    QTimer m_timer;
    QElapsedTimer m_last;
    bool m_pending = false;
    int m_count = 0;
};

} // namespace lieq::ui
