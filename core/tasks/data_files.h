#pragma once

// Small readers the task loaders share: whole text files (transparently decompressing .bz2),
// line splitting, and an RFC 4180 CSV parser (quoted fields, "" escapes, newlines in quotes).

#include <cstdint>
#include <string>
#include <vector>

namespace lieq {

// Whole file; a name ending in ".bz2" is decompressed. Throws lieq::Error naming the file.
std::string readTextFile(const std::string &path);

// Lines without their "\n" (and a trailing "\r"); a final newline adds no empty line.
std::vector<std::string> splitLines(const std::string &text);

struct CsvRow
{
    std::int64_t line = 0;         // 1-based line where the record starts
    std::vector<std::string> fields;
};

// Parses CSV text; an unterminated quote or a stray quote inside an unquoted field throws
// lieq::Error naming `file` and the line.
std::vector<CsvRow> parseCsv(const std::string &text, const std::string &file);

} // namespace lieq
