#include "ui/keyedjob.h"

namespace lieq::ui {

KeyedJob::KeyedJob(JobRunner *jobs, QString key, QObject *parent) : QObject(parent), m_jobs(jobs), m_key(std::move(key))
{
    m_jobs->watchKey(m_key, this, [this](const QString &m) { Q_EMIT failed(m); }, [this] { Q_EMIT cancelled(); });
}

void KeyedJob::cancel() { m_jobs->cancelKey(m_key); }

bool KeyedJob::isRunning() const { return m_jobs->isKeyBusy(m_key); }

bool KeyedJob::isCurrent(JobId job) const { return m_jobs->currentJob(m_key) == job; }

} // namespace lieq::ui
