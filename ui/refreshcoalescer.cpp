#include "ui/refreshcoalescer.h"

#include <QEvent>
#include <QWidget>

#include <algorithm>

namespace lieq::ui {

RefreshCoalescer::RefreshCoalescer(QWidget *owner, std::function<void()> refresh, int intervalMs)
    : QObject(owner), m_owner(owner), m_refresh(std::move(refresh)), m_intervalMs(intervalMs)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &RefreshCoalescer::run);
    m_owner->installEventFilter(this);
}

void RefreshCoalescer::request()
{
    m_pending = true;
    if (!m_owner->isVisible() || m_timer.isActive())
        return; // hidden: the Show event catches up; scheduled: that refresh will see this too
    // The first change after a quiet spell shows at once; a burst is drawn once per interval.
    const qint64 since = m_last.isValid() ? m_last.elapsed() : m_intervalMs;
    m_timer.start(int(std::max<qint64>(0, m_intervalMs - since)));
}

void RefreshCoalescer::flush()
{
    m_timer.stop();
    run();
}

void RefreshCoalescer::run()
{
    if (!m_pending)
        return;
    m_pending = false;
    m_last.start();
    ++m_count;
    m_refresh();
}

bool RefreshCoalescer::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_owner && event->type() == QEvent::Show && m_pending && !m_timer.isActive())
        m_timer.start(0); // after the show has been processed, before the first paint settles
    return QObject::eventFilter(watched, event);
}

} // namespace lieq::ui
