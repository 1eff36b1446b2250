#pragma once

// Plain structs for zero-shot multiple-choice tasks, filled by the loaders (task_loaders.h)
// and scored by evaluateTask (zero_shot.h). Every choice is one log-likelihood request
// "context -> continuation", exactly the strings lm-evaluation-harness builds, so that the
// scoring code knows nothing about individual tasks.

#include <cstdint>
#include <string>
#include <vector>

namespace lieq {

// log P(continuation | context), summed over the continuation's tokens.
struct LoglikelihoodRequest
{
    std::string context;
    std::string continuation;
};

struct TaskItem
{
    std::string id;                              // question id, or "line N" of the source
    std::vector<LoglikelihoodRequest> requests;  // one per choice
    // What acc_norm divides by: the length in characters (code points) of each choice string
    // as the harness's doc_to_choice returns it (without the " " target delimiter).
    std::vector<std::string> choiceTexts;
    int gold = 0;                                // index of the correct choice
};

struct TaskData
{
    std::string name;        // canonical task name: "piqa", "arc_easy", ...
    std::string source;      // file the items came from
    std::vector<TaskItem> items;
};

} // namespace lieq
