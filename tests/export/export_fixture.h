#pragma once

#include "core/quant/pipeline.h"

#include <sys/resource.h>

#include <string>
#include <vector>

namespace lieq::test {

struct RunSpec
{
    std::vector<int> layerBits;          // one per decoder layer (2, 3, 4, 8 or 16)
    QuantMethod method = QuantMethod::Rtn;
    int groupSize = 128;
    bool symmetric = false;
    bool actOrder = false;
    std::vector<std::int32_t> calibrationTokens; // empty: seeded random ids
};

// Quantizes the model in `modelDir` with the real pipeline (quantizeModel) and saves the run's
// checkpoint folder (saveQuantizedCheckpoint) at `outDir`, as `lieq quantize --out` does.
std::string quantizeRun(const std::string &modelDir, const RunSpec &spec, const std::string &outDir);

// Caps the size of files this process writes (RLIMIT_FSIZE, SIGXFSZ ignored) while alive: a
// write past the cap fails with EFBIG the way a full disk fails with ENOSPC.
class FileSizeLimit
{
public:
    explicit FileSizeLimit(rlim_t bytes);
    ~FileSizeLimit();
    FileSizeLimit(const FileSizeLimit &) = delete;
    FileSizeLimit &operator=(const FileSizeLimit &) = delete;

private:
    rlimit m_old{};
};

} // namespace lieq::test
