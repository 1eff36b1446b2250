#pragma once
// Internal to core/jobs: loading the model a job works on, as the context asks (device, layer
// streaming). Front ends never load models themselves.

#include "core/jobs/job_context.h"
#include "core/model/model_options.h"

#include <memory>
#include <string>

namespace lieq {
class Model;
}

namespace lieq::jobs {

ModelOptions modelOptions(const JobContext &context);

// A model folder or a quantized checkpoint folder (loadAnyModel), with progress.
std::unique_ptr<Model> loadModel(const std::string &dir, const JobContext &context);

} // namespace lieq::jobs
