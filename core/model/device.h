#pragma once

#include <string>
#include <vector>

// Which compute devices this build can use, asked at run time: the GUI offers CUDA only when
// the libtorch it runs against has a usable GPU, without including torch headers itself.
namespace lieq {

// torch::cuda::is_available(): a CUDA-enabled libtorch and at least one visible GPU.
bool cudaAvailable();
// GPUs libtorch sees (0 without CUDA).
int cudaDeviceCount();
// Values ModelOptions::device accepts for a real device, usable now: "cpu" first, then "cuda"
// when cudaAvailable().
std::vector<std::string> availableDevices();

} // namespace lieq
