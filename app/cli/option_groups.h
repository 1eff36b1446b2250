#pragma once

#include "app/cli/args.h"
#include "core/data/calibration.h"
#include "core/jobs/evaluate_job.h"
#include "core/jobs/plan_job.h"
#include "core/quant/pipeline.h"

#include <string>

// Option groups several commands share: declared once here with their help texts and defaults
// (the defaults come from core, so CLI, GUI and jobs agree), read once into the job requests.
namespace lieq::cli {

// --<dataOption> FILE, --field F, --samples N, --seqlen S, --seed N: calibration windows.
OptionGroup calibrationOptions(const std::string &dataOption);
// Throws lieq::Error when --<dataOption> is missing or --seed is negative.
CalibrationSpec readCalibration(const Args &args, const std::string &dataOption);

// --method, --group, --sym, --act-order, --static-groups, --damp, --no-clip, --no-propagate.
OptionGroup pipelineOptions();
PipelineSettings readPipeline(const Args &args);

// --scores FILE, --scores-run ID, --score-metric M, --invert-scores: per-layer scores.
OptionGroup scoreOptions();
jobs::ScoreSource readScoreSource(const Args &args);

// --plan FILE | --budget B | --bits N, with the score options and the scoring analysis's
// --analysis-samples/--analysis-seqlen/--analysis-metrics.
OptionGroup planOptions();
// `calibration` is what a scoring analysis reads (with the --analysis-* sizes).
jobs::PlanRequest readPlan(const Args &args, const std::string &modelDir,
                           const CalibrationSpec &calibration);

// --tasks LIST, --limit N, --data-dir DIR, --batching MODE, --batch-tokens N, --add-bos,
// --log-samples FILE: zero-shot tasks.
OptionGroup taskOptions();
// Fills spec's tasks, data folder and scorer options; `defaultTasks` applies without --tasks.
void readTasks(const Args &args, jobs::EvaluationSpec &spec, const std::string &defaultTasks = {});

// --stream: stream decoder layers even when the model fits in memory.
OptionGroup loadOptions();

} // namespace lieq::cli
