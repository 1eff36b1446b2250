#pragma once

// Where the embedded demo model lives: the folder `lieq demo` and the GUI's first start use.

#include <filesystem>
#include <vector>

namespace lieq {

// Places looked at, in order: $LIEQ_DEMO_MODEL, <exe dir>/../share/lieq-workbench/demo-model
// (installed), <source tree>/resources/demo-model (build tree).
std::vector<std::filesystem::path> demoModelCandidates();

// The first candidate holding config.json, canonical; an empty path when there is none.
std::filesystem::path findDemoModel();

} // namespace lieq
