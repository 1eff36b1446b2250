#pragma once

// What the fault tests (cancel points, SIGKILL, full disk, concurrent writers) share: a tiny
// model and text in a temporary folder, and checks on an experiment store -- integrity, no run
// left "running", and a digest of every finished run with its rows, so that "nothing finished
// was lost or changed" is one comparison.

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <string>

namespace lieq::test {

struct FaultFixture
{
    explicit FaultFixture(int layers = 4);

    QTemporaryDir tmp;
    std::string model; // tmp/model: llama, F32, `layers` layers, hidden 64
    std::string text;  // tmp/text.txt: a few KB of English
    std::string store; // tmp/store.sqlite (not created)

    std::string path(const std::string &name) const;
};

// PRAGMA integrity_check and foreign_key_check of a store file; "" when both pass, else what
// they report. Opens the file read-only (no migration, no interrupted marking).
std::string storeProblems(const std::string &storePath);

// One line per finished ("done") analysis or quantization run: id, status, settings hash, row
// counts and a checksum of its metric / loss / evaluation rows; then one line for evaluation
// rows of unquantized models and one for recorded exports.
QStringList finishedRuns(const std::string &storePath);

// Runs whose status is still "running" (a crash or cancel that left one behind).
int runningRuns(const std::string &storePath);

// Files under `dir` (recursively) whose names show an unfinished write: AtomicFile temporaries
// ("*.tmp.*"), "*.partial", "*.incomplete".
QStringList partialFiles(const std::string &dir);

// The `lieq` binary of this build.
QString cliPath();

} // namespace lieq::test
