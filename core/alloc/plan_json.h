#pragma once

#include "core/alloc/bit_plan.h"

#include <string>

// Bit plans as JSON ({"schema": "lieq.bitplan", "schemaVersion": 1, ...}). Reading checks the
// schema and every field; a malformed file gives a lieq::Error that names it.
namespace lieq::alloc {

std::string planToJson(const BitPlan &plan, int indent = 2);
// `source` names the file (or other origin) in error messages.
BitPlan planFromJson(const std::string &text, const std::string &source);

void savePlan(const BitPlan &plan, const std::string &path); // via lieq::AtomicFile
BitPlan loadPlan(const std::string &path);

} // namespace lieq::alloc
