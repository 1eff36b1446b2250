#pragma once

#include "core/alloc/bit_plan.h"

#include <cstdint>
#include <string>
#include <vector>

// The per-layer table: what `lieq analyze` writes (--csv, and the layers of --out/--json) and
// what `lieq allocate --scores` and `lieq quantize --scores` read back as the allocator's input.
//
// CSV: a header naming the columns, then one row per layer; '#' starts a comment line, and
//   "# other_params=N" gives the weights outside decoder linears.
//   layer,params,dppl,ppl_skipped,dr,dE,compact,compact_random   (analyze; empty = not computed)
//   Reading needs layer, params and the score column (any order, other columns ignored).
// JSON: {"layers": [{"layer": 0, "params": 1769472, "dr": 0.31, "dE": 0.12, "dppl": 1.9, ...,
//                    "linears": [{"name": "q_proj", "rows": 1024, "cols": 1024}, ...]}, ...],
//        "other_params": 155582464}
//   (or a bare array of layers; "index" is accepted for "layer", "otherParams" for
//   "other_params"; "linears" (optional) make sizes exact and allow per-projection plans;
//   other_params, the weights outside decoder linears counted at fp16 in file sizes, is optional)
// The score is the column named by the score metric ("dr", "dE", "dppl"); a hand-made file may
// have a single "score" column instead.
namespace lieq::alloc {

struct ScoresInput
{
    std::vector<LayerSpec> layers;
    std::int64_t otherParams = 0;
};

// JSON when the file ends in .json or starts with '{' or '['; CSV otherwise. Errors name the file.
ScoresInput loadScores(const std::string &path, const std::string &metric = "dr");
ScoresInput scoresFromJson(const std::string &text, const std::string &source,
                           const std::string &metric = "dr");
ScoresInput scoresFromCsv(const std::string &text, const std::string &source,
                          const std::string &metric = "dr");

// One layer of the table: its decoder-linear weights, metric values in column order (NaN: not
// computed) and, when known, the projection shapes.
struct LayerTableRow
{
    int layer = 0;
    std::int64_t params = 0;
    std::vector<std::pair<std::string, double>> values;
    std::vector<LinearShape> linears;
};

struct LayerTable
{
    std::vector<LayerTableRow> rows;
    std::int64_t otherParams = 0;
};

// The table as CSV (columns layer, params, then the first row's value names) and as JSON text
// ({"layers": [...], "other_params": N}; NaN becomes null).
std::string layerTableCsv(const LayerTable &table);
std::string layerTableJson(const LayerTable &table);

} // namespace lieq::alloc
