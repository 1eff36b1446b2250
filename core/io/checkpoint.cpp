#include "core/io/checkpoint.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace lieq {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char *const kIndexName = "model.safetensors.index.json";
const char *const kSingleName = "model.safetensors";

bool isPickleName(const std::string &name)
{
    auto endsWith = [&](const char *suffix) {
        const std::string s(suffix);
        return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    return endsWith(".bin") || endsWith(".pt") || endsWith(".pth") || endsWith(".ckpt") ||
           endsWith(".pkl") || endsWith(".bin.index.json");
}

[[noreturn]] void refusePickle(const std::string &path)
{
    throw Error(path, "pickle checkpoints are never loaded (they can run arbitrary code); "
                      "convert the model to safetensors first, e.g. in Python: "
                      "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, "
                      "safe_serialization=True)");
}

// 64-bit FNV-1a; two different offsets give a 128-bit identity without a crypto library.
std::uint64_t fnv1a(std::string_view s, std::uint64_t h)
{
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

// The type of `p` (symlinks followed), with not_found for a missing file. What keeps us from
// knowing (a symlink loop, a folder without permission) is an error naming the path, so that it
// is not reported as "missing".
fs::file_type typeOf(const fs::path &p)
{
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (st.type() == fs::file_type::not_found ||
        (ec && (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory))) {
        std::error_code lec;
        if (fs::is_symlink(fs::symlink_status(p, lec)))
            throw Error(p.string(), "symbolic link to a missing file (" +
                                        fs::read_symlink(p, lec).string() + ")");
        return fs::file_type::not_found;
    }
    if (ec == std::errc::too_many_symbolic_link_levels)
        throw Error(p.string(), "symbolic link loop (" + ec.message() + ")");
    if (ec)
        throw Error(p.string(), "cannot access: " + ec.message());
    return st.type();
}

// Whether `p` is present as a regular file (false when missing); a folder or device in its
// place is an error.
bool isPresentFile(const fs::path &p)
{
    const fs::file_type t = typeOf(p);
    if (t == fs::file_type::not_found)
        return false;
    if (t != fs::file_type::regular)
        throw Error(p.string(), "is not a regular file");
    return true;
}

} // namespace

Checkpoint::Checkpoint(const std::string &dir) : m_dir(dir)
{
    const fs::file_type rootType = typeOf(dir);
    if (rootType == fs::file_type::regular && isPickleName(fs::path(dir).filename().string()))
        refusePickle(dir);
    if (rootType == fs::file_type::not_found)
        throw Error(dir, "not a model folder: it does not exist");
    if (rootType != fs::file_type::directory)
        throw Error(dir, "not a model folder (expected a directory with config.json and "
                         "model.safetensors)");
    const fs::path root(dir);
    std::error_code ec;
    if (::access(root.c_str(), R_OK | X_OK) != 0)
        throw Error(dir, std::string("cannot read the folder: ") + std::strerror(errno));
    const fs::path configPath = root / "config.json";
    if (!isPresentFile(configPath))
        throw Error(configPath.string(), "missing: a Hugging Face model folder needs config.json");

    const fs::path indexPath = root / kIndexName;
    const fs::path singlePath = root / kSingleName;
    const bool haveIndex = isPresentFile(indexPath);
    const bool haveSingle = !haveIndex && isPresentFile(singlePath);
    if (!haveIndex && !haveSingle) {
        std::vector<std::string> pickles;
        for (const auto &e : fs::directory_iterator(root, ec))
            if (e.is_regular_file() && isPickleName(e.path().filename().string()))
                pickles.push_back(e.path().string());
        std::sort(pickles.begin(), pickles.end());
        if (!pickles.empty())
            refusePickle(pickles.front());
        throw Error(dir, std::string("no ") + kSingleName + " or " + kIndexName + " in this folder");
    }

    m_configText = readFile(configPath.string());
    m_config = ModelConfig::fromJson(m_configText, configPath.string());

    if (haveIndex) {
        // Sharded: the index maps tensor name -> shard file; every shard is opened and validated.
        const std::string ipath = indexPath.string();
        json index = parseJson(readFile(ipath), ipath, "not valid JSON: ");
        if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
            throw Error(ipath, "no \"weight_map\" object");
        std::map<std::string, SafetensorsFile *> shards;
        for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
            if (!it.value().is_string())
                throw Error(ipath, "tensor '" + it.key() + "': shard name is not a string");
            const std::string shard = it.value().get<std::string>();
            if (shard.empty() || shard.find('/') != std::string::npos || shard == "." || shard == "..")
                throw Error(ipath, "tensor '" + it.key() + "': shard name \"" + shard +
                                       "\" is not a plain file name in the model folder");
            auto found = shards.find(shard);
            if (found == shards.end()) {
                const fs::path shardPath = root / shard;
                if (!isPresentFile(shardPath))
                    throw Error(ipath, "tensor '" + it.key() + "': shard " + shard +
                                           " listed in the index is missing from the folder");
                m_files.push_back(std::make_unique<SafetensorsFile>(shardPath.string()));
                found = shards.emplace(shard, m_files.back().get()).first;
            }
            if (!found->second->contains(it.key()))
                throw Error(ipath, "tensor '" + it.key() + "': listed in the index but not present in shard " + shard);
            m_index[it.key()] = &found->second->tensor(it.key());
        }
        if (m_index.empty())
            throw Error(ipath, "\"weight_map\" is empty");
        // A tensor present in two shards means the set is inconsistent; refuse rather than pick one.
        std::map<std::string, const SafetensorsFile *> owner;
        for (const auto &f : m_files)
            for (const auto &n : f->names())
                if (auto [pos, fresh] = owner.emplace(n, f.get()); !fresh)
                    throw Error(f->path(), "tensor '" + n + "': also present in shard " + pos->second->path());
    } else {
        m_files.push_back(std::make_unique<SafetensorsFile>(singlePath.string()));
        for (const auto &n : m_files.back()->names())
            m_index[n] = &m_files.back()->tensor(n);
    }
}

bool Checkpoint::contains(const std::string &name) const { return m_index.count(name) > 0; }

const TensorView &Checkpoint::tensor(const std::string &name) const
{
    const auto it = m_index.find(name);
    if (it == m_index.end())
        throw Error(m_dir, "tensor '" + name + "': not in this checkpoint");
    return *it->second;
}

std::vector<std::string> Checkpoint::tensorNames() const
{
    std::vector<std::string> names;
    names.reserve(m_index.size());
    for (const auto &[n, v] : m_index)
        names.push_back(n);
    return names;
}

std::uint64_t Checkpoint::totalTensorBytes() const
{
    std::uint64_t n = 0;
    for (const auto &[name, v] : m_index)
        n += v->nbytes;
    return n;
}

std::uint64_t Checkpoint::parameterCount() const
{
    std::uint64_t n = 0;
    for (const auto &[name, v] : m_index)
        n += static_cast<std::uint64_t>(v->numel());
    return n;
}

std::string Checkpoint::fingerprint() const
{
    std::string s = m_configText;
    for (const auto &[name, v] : m_index) {
        s += '\n' + name + ' ' + std::string(dtypeName(v->dtype));
        for (auto d : v->shape)
            s += ' ' + std::to_string(d);
    }
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx",
                  static_cast<unsigned long long>(fnv1a(s, 0xcbf29ce484222325ull)),
                  static_cast<unsigned long long>(fnv1a(s, 0x84222325cbf29ce4ull)));
    return buf;
}

} // namespace lieq
