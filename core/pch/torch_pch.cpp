// Anchor translation unit for the shared <torch/torch.h> precompiled header.
#include <torch/torch.h>

namespace lieq::detail {
int torchPchAnchor() { return 0; }
} // namespace lieq::detail
