#pragma once

#include "core/jobs/analysis_job.h"
#include "core/store/records.h"
#include "ui/keyedjob.h"

#include <vector>

namespace lieq::ui {

// Runs the layer diagnostics (core/jobs runAnalysis: dPPL, compactness dr, top-k energy dE,
// stored in the experiment store) in a worker thread. Each layer's rows are forwarded to the
// GUI thread as soon as the job reports them, as the same store rows a reopened run gives, so
// the table and charts fill in live.
class AnalysisController : public KeyedJob
{
    Q_OBJECT
public:
    explicit AnalysisController(JobRunner *jobs, QObject *parent = nullptr);

    // `context`: the store, device and threads the run uses.
    void start(const jobs::AnalysisRequest &request, const jobs::JobContext &context);

Q_SIGNALS:
    void layerAvailable(const std::vector<lieq::store::LayerMetric> &layerRows,
                        const std::vector<lieq::store::ProjectionMetric> &projectionRows);
    void analysisAvailable(double pplBase, qint64 runId, bool reused, double seconds);
};

} // namespace lieq::ui
