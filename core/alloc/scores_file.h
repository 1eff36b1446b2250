#pragma once

#include "core/alloc/bit_plan.h"

#include <cstdint>
#include <string>
#include <vector>

// Per-layer scores and sizes as the allocator's input, read from a file.
//
// JSON: {"layers": [{"layer": 0, "score": 0.31, "params": 1769472,
//                    "linears": [{"name": "q_proj", "rows": 1024, "cols": 1024, "score": 0.2},
//                                ...]}, ...],
//        "otherParams": 155582464}
//   (or a bare array of layers; "index" is accepted for "layer"; "linears" and "otherParams",
//   the parameters outside decoder linears counted at fp16 in file sizes, are optional)
// CSV: a header naming the columns layer, score, params (any order, other columns ignored),
//   then one row per layer; '#' starts a comment line.
namespace lieq::alloc {

struct ScoresInput
{
    std::vector<LayerSpec> layers;
    std::int64_t otherParams = 0;
};

// JSON when the file ends in .json or starts with '{' or '['; CSV otherwise. Errors name the file.
ScoresInput loadScores(const std::string &path);
ScoresInput scoresFromJson(const std::string &text, const std::string &source);
ScoresInput scoresFromCsv(const std::string &text, const std::string &source);

} // namespace lieq::alloc
