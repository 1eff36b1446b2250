#pragma once

#include <QCoreApplication>
#include <QString>

namespace lieq::ui {

class RunQueueModel;

// Two runs of the Runs table side by side as an HTML table: settings (backend, bits, group,
// symmetry, act-order, calibration), bits per layer, and results (PPL, each task's accuracy,
// % of FP16, size, time); the better value of each result row is in bold.
class RunComparison
{
    Q_DECLARE_TR_FUNCTIONS(lieq::ui::RunComparison)
public:
    static QString html(const RunQueueModel &model, int rowA, int rowB);
};

} // namespace lieq::ui
