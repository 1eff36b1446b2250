#include "core/model/device.h"

#include <torch/torch.h>

namespace lieq {

bool cudaAvailable() { return torch::cuda::is_available(); }

int cudaDeviceCount() { return static_cast<int>(torch::cuda::device_count()); }

std::vector<std::string> availableDevices()
{
    std::vector<std::string> out{"cpu"};
    if (cudaAvailable())
        out.push_back("cuda");
    return out;
}

} // namespace lieq
