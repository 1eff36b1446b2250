#pragma once
// Internal to core/jobs: loading the model a job works on, as the context asks (device, layer
// streaming). Front ends never load models themselves.

#include "core/data/calibration.h"
#include "core/jobs/job_context.h"
#include "core/model/model_options.h"

#include <memory>
#include <string>

namespace lieq {
class Model;
class Tokenizer;
}

namespace lieq::jobs {

ModelOptions modelOptions(const JobContext &context);

// A model folder or a quantized checkpoint folder (loadAnyModel), with progress.
std::unique_ptr<Model> loadModel(const std::string &dir, const JobContext &context);

// The calibration windows a job works on, drawn with the model's tokenizer, with progress.
CalibrationSet loadCalibration(const Tokenizer &tokenizer, const CalibrationSpec &spec,
                               const JobContext &context);

} // namespace lieq::jobs
