#include "core/data/corpus.h"

#include "core/tokenizer/unicode_text.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <string_view>

namespace lieq {

namespace {

// Corpora are text: a NUL byte means a binary file given by mistake, and invalid UTF-8 would be
// tokenized as replacement characters. Both are refused with where the problem is.
void requireText(const std::string &path, std::string_view text)
{
    auto lineOf = [&](std::size_t at) {
        return std::to_string(1 + std::count(text.begin(), text.begin() + std::ptrdiff_t(at), '\n'));
    };
    if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos)
        throw Error(path, "not text: a NUL byte at byte " + std::to_string(nul) + " (line " +
                              lineOf(nul) + "); is this a binary file?");
    if (const std::size_t bad = tok::firstInvalidUtf8(text); bad != std::string_view::npos)
        throw Error(path, "not valid UTF-8 at byte " + std::to_string(bad) + " (line " + lineOf(bad) +
                              "); convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8");
}

} // namespace

Corpus Corpus::fromTextFile(const std::string &path)
{
    Corpus c;
    c.m_path = path;
    c.m_documents.push_back(readFile(path));
    if (c.m_documents.front().empty())
        throw Error(path, "the text file is empty");
    requireText(path, c.m_documents.front());
    return c;
}

Corpus Corpus::fromJsonl(const std::string &path, const std::string &field)
{
    if (field.empty())
        throw Error(path, "a JSONL corpus needs the name of its text field");
    const std::string text = readFile(path);
    requireText(path, text);
    Corpus c;
    c.m_path = path;
    std::size_t lineNo = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos)
            end = text.size();
        ++lineNo;
        const std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos)
            continue;
        nlohmann::json row;
        try {
            row = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception &e) {
            throw Error(path, "line " + std::to_string(lineNo) + " is not valid JSON: " + e.what());
        }
        if (!row.is_object() || !row.contains(field))
            throw Error(path, "line " + std::to_string(lineNo) + " has no field \"" + field + "\"");
        if (!row[field].is_string())
            throw Error(path, "line " + std::to_string(lineNo) + ": field \"" + field +
                                  "\" is not a string");
        c.m_documents.push_back(row[field].get<std::string>());
    }
    if (c.m_documents.empty())
        throw Error(path, "the JSONL file has no rows");
    return c;
}

namespace {
bool isJsonl(const std::string &path)
{
    const std::string ext = std::filesystem::path(path).extension().string();
    return ext == ".jsonl" || ext == ".ndjson";
}
} // namespace

Corpus Corpus::fromFile(const std::string &path, const std::string &field)
{
    if (isJsonl(path))
        return fromJsonl(path, field.empty() ? std::string("text") : field);
    if (!field.empty())
        throw Error(path, "a field (\"" + field + "\") applies to JSONL files only");
    return fromTextFile(path);
}

std::string Corpus::kindOf(const std::string &path, const std::string &field)
{
    if (!isJsonl(path))
        return "text";
    return "jsonl:" + (field.empty() ? std::string("text") : field);
}

std::size_t Corpus::totalBytes() const
{
    std::size_t n = 0;
    for (const auto &d : m_documents)
        n += d.size();
    return n;
}

std::string Corpus::joined(const std::string &separator) const
{
    std::string out;
    out.reserve(totalBytes() + separator.size() * m_documents.size());
    for (std::size_t i = 0; i < m_documents.size(); ++i) {
        if (i)
            out += separator;
        out += m_documents[i];
    }
    return out;
}

} // namespace lieq
