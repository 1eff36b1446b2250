#pragma once

// Fixtures the job tests share: a tiny generated model, calibration text, a small task data
// folder in the ../shared/data layout (PIQA with acc_norm, BoolQ without), and a context with
// a store in the temporary folder.

#include "core/jobs/job_context.h"
#include "core/util/atomic_file.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>

#include <filesystem>
#include <string>

namespace lieq::test {

struct JobsFixture
{
    QTemporaryDir tmp;
    std::string modelDir, text, store, taskDir;

    std::string path(const char *name) const { return tmp.filePath(QString::fromLatin1(name)).toStdString(); }

    explicit JobsFixture(int layers = 3)
    {
        TinyModelSpec spec;
        spec.layers = layers;
        spec.hidden = 32;
        spec.intermediate = 64;
        modelDir = writeTinyCheckpoint(path("model"), spec);
        std::string body;
        for (int i = 0; i < 200; ++i)
            body += "The quick brown fox " + std::to_string(i) + " jumps over the lazy dog. ";
        text = path("text.txt");
        writeFileAtomic(text, body);
        store = path("store.sqlite");
        taskDir = path("data");
        std::filesystem::create_directories(taskDir + "/piqa");
        std::filesystem::create_directories(taskDir + "/boolq");
        std::string piqa, labels, boolq;
        for (int i = 0; i < 6; ++i) {
            piqa += R"({"goal": "How do I open a jar )" + std::to_string(i) +
                    R"(?", "sol1": "Twist the lid.", "sol2": "Eat the lid."})" "\n";
            labels += std::string(i % 2 ? "1" : "0") + "\n";
            boolq += R"({"question": "is the sky blue )" + std::to_string(i) +
                     R"(", "passage": "The sky is blue on clear days.", "answer": )" +
                     std::string(i % 3 ? "true" : "false") + "}\n";
        }
        writeFileAtomic(taskDir + "/piqa/valid.jsonl", piqa);
        writeFileAtomic(taskDir + "/piqa/valid-labels.lst", labels);
        writeFileAtomic(taskDir + "/boolq/dev.jsonl", boolq);
    }

    jobs::JobContext context(ProgressFn progress = {}) const
    {
        jobs::JobContext c;
        c.store.path = store;
        c.progress = std::move(progress);
        c.threads = 1;
        return c;
    }
};

} // namespace lieq::test
