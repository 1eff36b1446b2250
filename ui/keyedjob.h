#pragma once

#include "core/jobs/job_context.h"
#include "ui/jobrunner.h"

#include <QObject>
#include <QString>

#include <functional>

namespace lieq::ui {

// One kind of job that runs one at a time under a JobRunner key (starting it again supersedes
// the running one): starting it with a job context, cancelling it, whether it runs, and its
// failure or cancellation as signals.
class KeyedJob : public QObject
{
    Q_OBJECT
public:
    KeyedJob(JobRunner *jobs, QString key, QObject *parent);

    // Runs `work` in a worker thread with `context` (its progress set to the job's); `done`
    // gets the value in the GUI thread unless the job failed, was cancelled or superseded.
    template<typename T>
    JobId start(std::function<T(const jobs::JobContext &)> work, jobs::JobContext context,
                std::function<void(T)> done)
    {
        return m_jobs->start<T>(
            m_key,
            [work = std::move(work), context = std::move(context)](const lieq::ProgressFn &progress) mutable {
                context.progress = progress;
                return work(context);
            },
            std::move(done));
    }
    void cancel();
    bool isRunning() const;
    // Whether `job` is the one now running (or last started) under the key.
    bool isCurrent(JobId job) const;

Q_SIGNALS:
    void failed(const QString &message);
    void cancelled();

private:
    JobRunner *const m_jobs;
    const QString m_key;
};

} // namespace lieq::ui
