#pragma once

// The corrupted-input cases shared by the CLI and GUI robustness tests (and listed in
// docs/robustness.md): each builds a bad model folder or data file from a valid tiny checkpoint,
// and says which file the error must name and which words must describe the problem.

#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace lieq::test {

struct CorruptCase
{
    enum class Stage {
        Open, // the folder is refused when opened (lieq info; File > Open)
        Load, // the folder opens, the weights or tokenizer are refused when used (lieq ppl; analysis)
        Data, // the model is fine, the text file is refused (lieq ppl --data; analysis data)
    };
    QString name;
    Stage stage = Stage::Open;
    QString model;    // model folder to open
    QString data;     // text for Load/Data stages
    QString file;     // path the error must name
    QString problem;  // words the error must contain (case-insensitive)
    // The analysis's calibration data may also be a folder of text files, so it words a missing
    // or folder path differently; empty = `problem`.
    QString analysisProblem;
    bool needsUnprivilegedReader = false; // permission cases: root reads everything
};

// Builds every case under `root` (which must exist and be writable). The valid model is at
// root/good and the valid text at root/good.txt, for "the application keeps working" checks.
std::vector<CorruptCase> buildCorruptCases(const QString &root);

} // namespace lieq::test
