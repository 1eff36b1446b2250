#include "core/tasks/data_files.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <bzlib.h>

namespace lieq {

namespace {

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Streams through concatenated bz2 members (pbzip2 writes several) until the input ends.
std::string bunzip2(const std::string &packed, const std::string &path)
{
    std::string out;
    std::size_t consumed = 0;
    char buffer[1 << 16];
    while (consumed < packed.size()) {
        bz_stream s{};
        if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
            throw Error(path, "cannot initialise the bzip2 decoder");
        s.next_in = const_cast<char *>(packed.data() + consumed);
        s.avail_in = static_cast<unsigned>(packed.size() - consumed);
        int rc = BZ_OK;
        while (rc == BZ_OK) {
            s.next_out = buffer;
            s.avail_out = sizeof buffer;
            rc = BZ2_bzDecompress(&s);
            out.append(buffer, sizeof buffer - s.avail_out);
            if (rc == BZ_OK && s.avail_in == 0 && s.avail_out != 0)
                rc = BZ_UNEXPECTED_EOF;
        }
        consumed = packed.size() - s.avail_in;
        BZ2_bzDecompressEnd(&s);
        if (rc != BZ_STREAM_END)
            throw Error(path, rc == BZ_UNEXPECTED_EOF ? "bzip2 data is truncated"
                                                      : "not valid bzip2 data (error " +
                                                            std::to_string(rc) + ")");
    }
    return out;
}

} // namespace

std::string readTextFile(const std::string &path)
{
    std::string data = readFile(path);
    if (endsWith(path, ".bz2"))
        return bunzip2(data, path);
    return data;
}

std::vector<std::string> splitLines(const std::string &text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::size_t len = end - start;
        if (len > 0 && text[start + len - 1] == '\r')
            --len;
        lines.emplace_back(text, start, len);
        start = end + 1;
    }
    return lines;
}

std::vector<CsvRow> parseCsv(const std::string &text, const std::string &file)
{
    std::vector<CsvRow> rows;
    std::int64_t line = 1;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        CsvRow row;
        row.line = line;
        std::string field;
        bool rowDone = false;
        while (!rowDone) {
            field.clear();
            if (i < n && text[i] == '"') {
                const std::int64_t openLine = line;
                ++i;
                while (true) {
                    if (i >= n)
                        throw Error(file, "line " + std::to_string(openLine) +
                                              ": quoted field is never closed");
                    if (text[i] == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    if (text[i] == '\n')
                        ++line;
                    field += text[i++];
                }
                if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
                    throw Error(file, "line " + std::to_string(line) +
                                          ": unexpected text after a closing quote");
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n') {
                    if (text[i] == '"')
                        throw Error(file, "line " + std::to_string(line) +
                                              ": quote inside an unquoted field");
                    field += text[i++];
                }
                if (!field.empty() && field.back() == '\r' && (i >= n || text[i] == '\n'))
                    field.pop_back();
            }
            if (i < n && text[i] == '\r')
                ++i;
            row.fields.push_back(field);
            if (i >= n) {
                rowDone = true;
            } else if (text[i] == ',') {
                ++i;
            } else { // '\n'
                ++i;
                ++line;
                rowDone = true;
            }
        }
        // A blank line is not a record.
        if (!(row.fields.size() == 1 && row.fields[0].empty()))
            rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace lieq
