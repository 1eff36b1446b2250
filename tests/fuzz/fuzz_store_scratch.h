#pragma once

// A fresh experiment store for each fuzz input: the schema is created once into a template file
// and copied, so inputs do not see each other's rows and each run costs a file copy, not a
// schema migration.

#include <string>

namespace lieq::fuzz {

// Path of a store with the current schema and no rows, new for every call (same path reused).
std::string freshStore();

} // namespace lieq::fuzz
