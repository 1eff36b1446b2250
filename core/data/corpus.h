#pragma once

#include <string>
#include <vector>

namespace lieq {

// Evaluation or calibration text: a plain text file (one document, used as is) or a JSONL
// file whose rows each hold the text in a chosen string field.
class Corpus
{
public:
    // Whole file as one document (WikiText's hf_joined.txt is already joined the GPTQ way).
    static Corpus fromTextFile(const std::string &path);
    // One document per non-empty line; `field` must be a string member of every row.
    static Corpus fromJsonl(const std::string &path, const std::string &field);
    // By extension: .jsonl/.ndjson -> fromJsonl(field, default "text"), else fromTextFile.
    // A field given for a non-JSONL file is an error (it would silently be ignored).
    static Corpus fromFile(const std::string &path, const std::string &field = {});
    // How fromFile reads `path`, as the experiment store records a data set: "text", or
    // "jsonl:FIELD" for a .jsonl/.ndjson file (FIELD defaults to "text").
    static std::string kindOf(const std::string &path, const std::string &field = {});

    const std::string &path() const { return m_path; }
    const std::vector<std::string> &documents() const { return m_documents; }
    std::size_t totalBytes() const;
    // Documents joined by `separator` ("\n\n" as the GPTQ WikiText protocol joins rows).
    std::string joined(const std::string &separator = "\n\n") const;

private:
    std::string m_path;
    std::vector<std::string> m_documents;
};

} // namespace lieq
