#pragma once

#include "core/jobs/run_history.h"
#include "ui/runrequest.h"

#include <QMetaType>

namespace lieq::ui {

// A quantization run as the experiment store holds it (core/jobs loadQuantRun), turned back into
// what the Runs view shows for a run of this session: the request it was made with (backend,
// group, symmetry, act-order, calibration, evaluation settings) and its results (PPL, task
// accuracies, bits, size, time, and the stored FP16 baseline). Loaded in a worker thread
// (History > Reopen).
struct StoredQuantRun
{
    jobs::StoredQuantRun stored;
    RunRequest request;
    RunResult result;

    // Throws lieq::Error naming the store when the run does not exist.
    static StoredQuantRun load(const QString &storePath, std::int64_t quantRunId);
};

} // namespace lieq::ui

Q_DECLARE_METATYPE(lieq::ui::StoredQuantRun)
