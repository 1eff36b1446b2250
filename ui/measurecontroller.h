#pragma once

#include "core/data/calibration.h"
#include "core/jobs/measure_job.h"

#include <QObject>
#include <QString>

namespace lieq::ui {

class JobRunner;

// Runs the measure pass (core/jobs runMeasure: per layer, the KL from FP16 with only that layer
// quantized low, and the gain of raising it over the all-low plan; stored as a run) in a worker
// thread, and reopens the newest stored measure run of a model. Results arrive in the GUI
// thread as the job's result struct.
class MeasureController : public QObject
{
    Q_OBJECT
public:
    MeasureController(JobRunner *jobs, QObject *parent = nullptr);

    struct Request
    {
        QString modelDir;
        CalibrationSpec calibration;
        std::int64_t probeWindows = 8;
        sensitivity::MeasureSettings settings;
        QString storePath; // empty: no store
        QString device = QStringLiteral("cpu");
        int threads = 0;
    };

    void start(const Request &request);
    void cancel();
    bool isRunning() const;
    // The newest finished measure run of the model in the store (nothing when there is none).
    void loadLatest(const QString &modelDir, const QString &storePath);

Q_SIGNALS:
    void measureAvailable(const lieq::jobs::MeasureJobResult &result);
    void measureFailed(const QString &message);
    void measureCancelled();

private:
    JobRunner *m_jobs;
};

} // namespace lieq::ui
