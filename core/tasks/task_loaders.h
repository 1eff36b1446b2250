#pragma once

// Loaders for the zero-shot tasks in ../shared/data (formats: its README.md), producing the
// prompts of lm-evaluation-harness (v0.4 task yamls; target_delimiter " "):
//
//   piqa        context "Question: {goal}\nAnswer:"           choices " {sol1}", " {sol2}"
//   arc_easy,   context "Question: {question}\nAnswer:"       choices " {A}" ... " {D}"
//   arc_challenge  (CSV fields are stripped of the padding spaces the file carries; an empty
//               D means a three-choice question; category Test, sets easy / chal)
//   hellaswag   context preprocess("{label}: {ctx_a} {Ctx_b}") choices " " + preprocess(ending)
//               preprocess = strip, " [title]" -> ". ", drop "[...]", "  " -> " ". The file
//               joins ctx_a and ctx_b; the harness capitalises ctx_b, so a trailing lower-case
//               fragment after the last ". " that does not end a sentence is capitalised.
//   winogrande  partial scoring: context "{sentence before _}{option}" (one per option),
//               continuation " {sentence after _, stripped}", the same for both options
//   boolq       context "{passage}\nQuestion: {question}?\nAnswer:"  choices " no", " yes"
//
// Malformed input throws lieq::Error naming the file and line.

#include "core/tasks/task_data.h"

#include <string>
#include <vector>

namespace lieq {

TaskData loadPiqa(const std::string &jsonlPath, const std::string &labelsPath);
// set: "easy" or "chal"; only rows of category Test.
TaskData loadArc(const std::string &csvPath, const std::string &set);
// The 6-lines-per-task text (optionally .bz2 compressed).
TaskData loadHellaswag(const std::string &path);
// labelsPath may be empty; when given it must agree with the "answer" fields.
TaskData loadWinogrande(const std::string &jsonlPath, const std::string &labelsPath = {});
TaskData loadBoolq(const std::string &jsonlPath);

// The harness's HellaSwag text cleanup.
std::string hellaswagPreprocess(const std::string &text);

// Task names the CLI accepts, canonical form: piqa, arc_easy, arc_challenge, hellaswag,
// winogrande, boolq.
const std::vector<std::string> &zeroShotTaskNames();
// Canonical name for a name or alias (arc_e, arc_c, wg, ...); throws lieq::Error when unknown.
std::string canonicalTaskName(const std::string &name);
// Loads a task from the ../shared/data layout under dataDir.
TaskData loadTask(const std::string &name, const std::string &dataDir);
// The file or folder a task's data set is recorded as (for dataset fingerprints).
std::string taskDataPath(const std::string &name, const std::string &dataDir);
// The files loadTask needs for a task (optional ones, e.g. WinoGrande's labels, left out).
std::vector<std::string> taskDataFiles(const std::string &name, const std::string &dataDir);

} // namespace lieq
