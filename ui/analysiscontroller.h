#pragma once

#include "core/analysis/diagnostics_settings.h"
#include "core/data/calibration.h"
#include "core/store/records.h"

#include <QObject>
#include <QString>

#include <vector>

namespace lieq::ui {

class JobRunner;

// Runs the layer diagnostics (core/jobs runAnalysis: dPPL, compactness dr, top-k energy dE,
// stored in the experiment store) in a worker thread. Each layer's rows are forwarded to the
// GUI thread as soon as the job reports them, as the same store rows a reopened run gives, so
// the table and charts fill in live.
class AnalysisController : public QObject
{
    Q_OBJECT
public:
    AnalysisController(JobRunner *jobs, QObject *parent = nullptr);

    struct Request
    {
        QString modelDir;
        CalibrationSpec calibration;
        analysis::DiagnosticsSettings settings;
        QString storePath; // empty: no store
        bool reuse = true;
        QString device = QStringLiteral("cpu"); // the model's device
        int threads = 0;                        // compute threads; 0: all cores
    };

    void start(const Request &request);
    void cancel();
    bool isRunning() const;

Q_SIGNALS:
    void layerAvailable(const std::vector<lieq::store::LayerMetric> &layerRows,
                        const std::vector<lieq::store::ProjectionMetric> &projectionRows);
    void analysisAvailable(double pplBase, qint64 runId, bool reused, double seconds);
    void analysisFailed(const QString &message);
    void analysisCancelled();

private:
    JobRunner *m_jobs;
};

} // namespace lieq::ui
