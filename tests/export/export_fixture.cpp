#include "tests/export/export_fixture.h"

#include "core/alloc/bit_plan.h"
#include "core/data/calibration.h"
#include "core/model/model.h"
#include "core/quant/pipeline_checkpoint.h"
#include "core/util/error.h"

#include <csignal>
#include <stdexcept>

namespace lieq::test {

std::string quantizeRun(const std::string &modelDir, const RunSpec &spec, const std::string &outDir)
{
    auto model = Model::load(modelDir);
    alloc::BitPlan plan = uniformPlan(*model, 4);
    if (int(spec.layerBits.size()) != int(plan.units.size()))
        throw Error("quantizeRun: " + std::to_string(spec.layerBits.size()) + " bits for " +
                    std::to_string(plan.units.size()) + " layers");
    for (std::size_t l = 0; l < plan.units.size(); ++l)
        plan.units[l].bits = spec.layerBits[l];
    std::vector<std::int32_t> tokens = spec.calibrationTokens;
    if (tokens.empty()) {
        std::uint32_t s = 99;
        for (int i = 0; i < 512; ++i) {
            s = s * 1664525u + 1013904223u;
            tokens.push_back(std::int32_t((s >> 8) % std::uint32_t(model->config().vocabSize)));
        }
    }
    CalibrationSpec cs;
    cs.samples = 4;
    cs.seqlen = 64;
    const CalibrationSet calib = sampleCalibrationTokens(tokens, cs);
    PipelineSettings settings;
    settings.method = spec.method;
    settings.groupSize = spec.groupSize;
    settings.symmetric = spec.symmetric;
    settings.actOrder = spec.actOrder;
    quantizeModel(*model, plan, calib, settings);
    return saveQuantizedCheckpoint(*model, plan, settings, outDir).dir;
}

FileSizeLimit::FileSizeLimit(rlim_t bytes)
{
    std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &m_old);
    rlimit small = m_old;
    small.rlim_cur = bytes;
    if (setrlimit(RLIMIT_FSIZE, &small) != 0)
        throw std::runtime_error("setrlimit(RLIMIT_FSIZE) failed");
}

FileSizeLimit::~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &m_old); }

} // namespace lieq::test
