#include "tests/robustness/corrupt_cases.h"

#include "core/io/safetensors.h"
#include "core/util/atomic_file.h"
#include "tests/support/tiny_checkpoint.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <cstring>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

namespace lieq::test {

namespace fs = std::filesystem;
using Stage = CorruptCase::Stage;

namespace {

std::string s(const QString &q) { return q.toStdString(); }

void copyModel(const std::string &from, const std::string &to)
{
    fs::copy(from, to, fs::copy_options::recursive);
}

void editJson(const std::string &path, const std::function<void(nlohmann::json &)> &edit)
{
    nlohmann::json j = nlohmann::json::parse(lieq::readFile(path));
    edit(j);
    lieq::writeFileAtomic(path, j.dump(2));
}

// Rewrites a safetensors file through the project's writer after `edit` changed tensor bytes.
void editTensors(const std::string &path,
                 const std::function<void(const std::string &, std::string &)> &edit)
{
    std::vector<std::string> names, bytes;
    std::vector<lieq::TensorToWrite> out;
    {
        const lieq::SafetensorsFile f(path);
        for (const std::string &n : f.names()) {
            const auto &t = f.tensor(n);
            names.push_back(n);
            bytes.emplace_back(reinterpret_cast<const char *>(t.data), t.nbytes);
            edit(n, bytes.back());
            out.push_back({n, t.dtype, t.shape, nullptr, t.nbytes});
        }
    }
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i].data = bytes[i].data();
    lieq::writeSafetensors(path, out);
}

void putFloat(std::string &bytes, std::size_t index, float v)
{
    std::memcpy(bytes.data() + index * sizeof(float), &v, sizeof v);
}

} // namespace

std::vector<CorruptCase> buildCorruptCases(const QString &rootQ)
{
    const std::string root = s(rootQ);
    TinyModelSpec spec; // llama, F32, 2 layers, hidden 64, byte-level tokenizer
    const std::string good = writeTinyCheckpoint(root + "/good", spec);
    std::string text;
    for (int i = 0; i < 40; ++i)
        text += "The quick brown fox jumps over the lazy dog, then rests in the sun. ";
    lieq::writeFileAtomic(root + "/good.txt", text);

    std::vector<CorruptCase> cases;
    // A copy of the good model with one change; returns its folder.
    auto variant = [&](const std::string &name, const std::function<void(const std::string &)> &edit) {
        const std::string dir = root + "/" + name;
        copyModel(good, dir);
        edit(dir);
        return dir;
    };
    auto add = [&](const char *name, Stage stage, const std::string &model, const std::string &file,
                   const char *problem, const std::string &data = {}) {
        CorruptCase c;
        c.name = QString::fromLatin1(name);
        c.stage = stage;
        c.model = QString::fromStdString(model);
        c.data = QString::fromStdString(data.empty() ? root + "/good.txt" : data);
        c.file = QString::fromStdString(file);
        c.problem = QString::fromLatin1(problem);
        cases.push_back(c);
        return &cases.back();
    };
    const auto st = [](const std::string &dir) { return dir + "/model.safetensors"; };

    // --- model.safetensors: structure ---
    const struct
    {
        const char *name;
        Corruption c;
        const char *problem;
    } structural[] = {
        {"truncated weights", Corruption::Truncated, "past the end"},
        {"header length lies", Corruption::HeaderLies, "runs past the end of the file"},
        {"header above bound", Corruption::HugeHeader, "exceeds the bound"},
        {"overlapping tensors", Corruption::Overlap, "overlaps"},
        {"offsets past the end", Corruption::OffsetsPastEnd, "run past the end of the data area"},
        {"reversed offsets", Corruption::ReversedOffsets, "reversed"},
        {"header not JSON", Corruption::BadJson, "not valid JSON"},
        {"duplicate tensor name", Corruption::DuplicateName, "more than once"},
        {"unknown dtype", Corruption::UnknownDtype, "unsupported dtype"},
        {"dtype size mismatch", Corruption::WrongDtypeSize, "bytes but shape"},
    };
    for (const auto &k : structural) {
        const std::string dir = variant(k.name, [&](const std::string &d) { corruptSafetensors(st(d), k.c); });
        add(k.name, Stage::Open, dir, st(dir), k.problem);
    }
    {
        const std::string dir = variant("zero-length weights", [&](const std::string &d) {
            lieq::writeFileAtomic(st(d), "");
        });
        add("zero-length weights", Stage::Open, dir, st(dir), "too small");
    }
    {
        const std::string dir = variant("binary garbage weights", [&](const std::string &d) {
            std::string junk(4096, '\0');
            for (std::size_t i = 0; i < junk.size(); ++i)
                junk[i] = char((i * 2654435761u) >> 7);
            lieq::writeFileAtomic(st(d), junk);
        });
        add("binary garbage weights", Stage::Open, dir, st(dir), "header length");
    }

    // --- config.json ---
    const auto cfg = [](const std::string &dir) { return dir + "/config.json"; };
    {
        const std::string dir = variant("zero-length config", [&](const std::string &d) { lieq::writeFileAtomic(cfg(d), ""); });
        add("zero-length config", Stage::Open, dir, cfg(dir), "not valid JSON");
    }
    {
        const std::string dir = variant("binary config", [&](const std::string &d) {
            lieq::writeFileAtomic(cfg(d), std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16));
        });
        add("binary config", Stage::Open, dir, cfg(dir), "not valid JSON");
    }
    {
        const std::string dir = variant("unsupported architecture", [&](const std::string &d) {
            editJson(cfg(d), [](nlohmann::json &j) { j["model_type"] = "gpt2"; });
        });
        add("unsupported architecture", Stage::Open, dir, cfg(dir), "unsupported architecture gpt2");
    }
    {
        const std::string dir = variant("config missing field", [&](const std::string &d) {
            editJson(cfg(d), [](nlohmann::json &j) { j.erase("hidden_size"); });
        });
        add("config missing field", Stage::Open, dir, cfg(dir), "missing \"hidden_size\"");
    }
    {
        const std::string dir = variant("config sizes overflow", [&](const std::string &d) {
            editJson(cfg(d), [](nlohmann::json &j) { j["hidden_size"] = std::int64_t(1) << 40; j["intermediate_size"] = std::int64_t(1) << 40; j["head_dim"] = 16; });
        });
        add("config sizes overflow", Stage::Open, dir, cfg(dir), "2^62 parameters");
    }
    {
        const std::string dir = variant("config is a folder", [&](const std::string &d) {
            fs::remove(cfg(d));
            fs::create_directory(cfg(d));
        });
        add("config is a folder", Stage::Open, dir, cfg(dir), "not a regular file");
    }

    // --- folder layout, links, permissions ---
    {
        const std::string dir = root + "/missing folder";
        add("missing folder", Stage::Open, dir, dir, "does not exist");
    }
    {
        const std::string file = root + "/plain file";
        lieq::writeFileAtomic(file, "not a folder");
        add("folder is a file", Stage::Open, file, file, "not a model folder");
    }
    {
        const std::string dir = root + "/pickle only";
        fs::create_directories(dir);
        fs::copy_file(cfg(good), cfg(dir));
        lieq::writeFileAtomic(dir + "/pytorch_model.bin", std::string("PK\x03\x04", 4));
        add("pickle only", Stage::Open, dir, dir + "/pytorch_model.bin", "pickle checkpoints are never loaded");
    }
    {
        const std::string dir = variant("weights symlink loop", [&](const std::string &d) {
            fs::remove(st(d));
            fs::create_symlink("model.safetensors", st(d));
        });
        add("weights symlink loop", Stage::Open, dir, st(dir), "symbolic link loop");
    }
    {
        const std::string dir = variant("dangling weights link", [&](const std::string &d) {
            fs::remove(st(d));
            fs::create_symlink("gone.safetensors", st(d));
        });
        add("dangling weights link", Stage::Open, dir, st(dir), "symbolic link to a missing file");
    }
    {
        const std::string dir = root + "/folder loop";
        fs::create_directory_symlink("folder loop", dir);
        add("folder symlink loop", Stage::Open, dir, dir, "symbolic link loop");
    }
    {
        const std::string dir = variant("weights is a FIFO", [&](const std::string &d) {
            fs::remove(st(d));
            ::mkfifo(st(d).c_str(), 0644);
        });
        add("weights is a FIFO", Stage::Open, dir, st(dir), "not a regular file");
    }
    {
        const std::string dir = variant("unreadable weights", [&](const std::string &d) {
            fs::permissions(st(d), fs::perms::owner_write);
        });
        add("unreadable weights", Stage::Open, dir, st(dir), "Permission denied")->needsUnprivilegedReader = true;
    }
    {
        const std::string dir = variant("unreadable folder", [&](const std::string &d) {
            fs::permissions(d, fs::perms::owner_write);
        });
        add("unreadable folder", Stage::Open, dir, dir, "Permission denied")->needsUnprivilegedReader = true;
    }
    {
        const std::string dir = variant("shard index escapes", [&](const std::string &d) {
            lieq::writeFileAtomic(d + "/model.safetensors.index.json",
                                  R"({"weight_map": {"model.embed_tokens.weight": "../good/model.safetensors"}})");
        });
        add("shard index escapes", Stage::Open, dir, dir + "/model.safetensors.index.json",
            "not a plain file name in the model folder");
    }
    {
        const std::string dir = variant("shard missing", [&](const std::string &d) {
            lieq::writeFileAtomic(d + "/model.safetensors.index.json",
                                  R"({"weight_map": {"model.embed_tokens.weight": "model-00002-of-00002.safetensors"}})");
        });
        add("shard missing", Stage::Open, dir, dir + "/model.safetensors.index.json", "missing from the folder");
    }

    // --- weights and tokenizer refused when used ---
    {
        const std::string dir = variant("NaN weights", [&](const std::string &d) {
            editTensors(st(d), [](const std::string &n, std::string &b) {
                if (n == "model.layers.1.mlp.down_proj.weight")
                    putFloat(b, 7, std::numeric_limits<float>::quiet_NaN());
            });
        });
        add("NaN weights", Stage::Load, dir, st(dir), "NaN or infinite");
    }
    {
        const std::string dir = variant("Inf weights", [&](const std::string &d) {
            editTensors(st(d), [](const std::string &n, std::string &b) {
                if (n == "model.embed_tokens.weight")
                    putFloat(b, 3, std::numeric_limits<float>::infinity());
            });
        });
        add("Inf weights", Stage::Load, dir, st(dir), "NaN or infinite");
    }
    {
        const std::string dir = variant("shapes disagree with config", [&](const std::string &d) {
            editJson(cfg(d), [](nlohmann::json &j) { j["intermediate_size"] = 96; });
        });
        add("shapes disagree with config", Stage::Load, dir, st(dir), "config.json implies");
    }
    {
        const std::string dir = variant("embedding rows != vocab_size", [&](const std::string &d) {
            editJson(cfg(d), [](nlohmann::json &j) { j["vocab_size"] = j["vocab_size"].get<int>() + 8; });
        });
        add("embedding rows != vocab_size", Stage::Load, dir, st(dir), "vocab_size");
    }
    {
        const std::string dir = variant("tokenizer larger than vocab", [&](const std::string &d) {
            editJson(d + "/tokenizer.json", [](nlohmann::json &j) {
                int top = 0;
                for (const auto &[k, v] : j["model"]["vocab"].items())
                    top = std::max(top, v.get<int>());
                for (const auto &a : j["added_tokens"])
                    top = std::max(top, a["id"].get<int>());
                j["added_tokens"].push_back({{"id", top + 40}, {"content", "<|extra|>"}, {"special", true},
                                             {"normalized", false}, {"lstrip", false}, {"rstrip", false},
                                             {"single_word", false}});
            });
        });
        add("tokenizer larger than vocab", Stage::Load, dir, dir + "/tokenizer.json", "vocab_size");
    }
    {
        const std::string dir = variant("zero-length tokenizer", [&](const std::string &d) {
            lieq::writeFileAtomic(d + "/tokenizer.json", "");
        });
        add("zero-length tokenizer", Stage::Load, dir, dir + "/tokenizer.json", "invalid JSON");
    }
    {
        const std::string dir = variant("tokenizer missing", [&](const std::string &d) { fs::remove(d + "/tokenizer.json"); });
        add("tokenizer missing", Stage::Load, dir, dir + "/tokenizer.json", "no tokenizer.json");
    }

    // --- text files ---
    const auto data = [&](const char *name, const std::string &bytes) {
        const std::string p = root + "/" + name;
        lieq::writeFileAtomic(p, bytes);
        return p;
    };
    {
        const std::string p = data("empty.txt", "");
        add("empty corpus", Stage::Data, good, p, "empty", p);
    }
    {
        std::string bin(2048, '\0');
        for (std::size_t i = 0; i < bin.size(); ++i)
            bin[i] = char((i * 40503u) >> 3);
        const std::string p = data("binary.txt", bin);
        add("binary corpus", Stage::Data, good, p, "not text", p);
    }
    {
        const std::string p = data("latin1.txt", std::string("Caf\xe9 cr\xe8" "me br\xfbl\xe9" "e, na\xefve fa\xe7" "ade. ") + text);
        add("non-UTF-8 corpus", Stage::Data, good, p, "not valid UTF-8", p);
    }
    {
        const std::string p = data("short.txt", "Hi.");
        add("corpus shorter than a window", Stage::Data, good, p, "tokens", p);
    }
    {
        const std::string p = root + "/corpus folder";
        fs::create_directories(p);
        add("corpus is a folder", Stage::Data, good, p, "is a folder", p)->analysisProblem =
            QStringLiteral("data folder holds no files");
    }
    {
        const std::string p = root + "/absent.txt";
        add("corpus missing", Stage::Data, good, p, "No such file", p)->analysisProblem =
            QStringLiteral("no such data file or folder");
    }
    {
        const std::string p = data("rows.jsonl", "{\"text\": \"a row\"}\n{\"text\": \"another\n");
        add("JSONL broken row", Stage::Data, good, p, "line 2 is not valid JSON", p);
    }
    {
        const std::string p = data("field.jsonl", "{\"body\": \"a row without the field\"}\n");
        add("JSONL missing field", Stage::Data, good, p, "has no field \"text\"", p);
    }
    return cases;
}

} // namespace lieq::test
