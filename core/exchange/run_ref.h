#pragma once

#include "core/store/records.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lieq::exchange {

// A stored run as users name it on the command line: "12" or "a12" (analysis), "q3" (quant).
struct RunRef
{
    store::RunKind kind = store::RunKind::Analysis;
    std::int64_t id = 0;

    std::string text() const; // "a12" / "q3"
    bool operator==(const RunRef &o) const { return kind == o.kind && id == o.id; }
};

// Throws lieq::Error naming the text when it is not a run id.
RunRef parseRunRef(const std::string &text);
std::vector<RunRef> parseRunRefs(const std::vector<std::string> &texts);

} // namespace lieq::exchange
