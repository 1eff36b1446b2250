#include "core/store/fingerprint.h"

#include "core/store/sha256.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_text.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

namespace lieq::store {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uint64_t kMaxHeaderBytes = 100u << 20; // safetensors' own limit
constexpr int kWeightSamples = 16;
constexpr std::uint64_t kSampleBytes = 4096;

struct SafetensorsHeader
{
    std::string text;
    std::uint64_t dataOffset = 0;
    std::uint64_t fileSize = 0;
};

SafetensorsHeader readHeader(std::ifstream &in, const std::string &file)
{
    SafetensorsHeader h;
    std::error_code ec;
    h.fileSize = fs::file_size(file, ec);
    if (ec)
        throw Error(file, "cannot read size: " + ec.message());
    unsigned char len[8] = {};
    if (!in.read(reinterpret_cast<char *>(len), 8))
        throw Error(file, "truncated safetensors file (no header length)");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | len[i];
    if (n == 0 || n > kMaxHeaderBytes || 8 + n > h.fileSize)
        throw Error(file, "invalid safetensors header length " + std::to_string(n));
    h.text.resize(n);
    if (!in.read(h.text.data(), static_cast<std::streamsize>(n)))
        throw Error(file, "truncated safetensors header");
    h.dataOffset = 8 + n;
    return h;
}

// Reads a few evenly spaced blocks of weight bytes into the hash.
void hashWeightSample(std::ifstream &in, const SafetensorsHeader &h, Sha256 &sha)
{
    const std::uint64_t dataBytes = h.fileSize - h.dataOffset;
    std::string buf;
    for (int i = 0; i < kWeightSamples; ++i) {
        const std::uint64_t pos = dataBytes <= kSampleBytes
            ? 0
            : (dataBytes - kSampleBytes) * static_cast<std::uint64_t>(i) / (kWeightSamples - 1);
        const std::uint64_t take = std::min(kSampleBytes, dataBytes - pos);
        buf.resize(take);
        in.seekg(static_cast<std::streamoff>(h.dataOffset + pos));
        in.read(buf.data(), static_cast<std::streamsize>(take));
        sha.update(buf.data(), static_cast<std::size_t>(in.gcount()));
        in.clear();
        if (dataBytes <= kSampleBytes)
            break;
    }
}

} // namespace

ModelRecord describeModel(const std::string &modelDir)
{
    ModelRecord m;
    const fs::path dir = fs::absolute(fs::path(modelDir)).lexically_normal();
    if (!fs::is_directory(dir))
        throw Error(modelDir, "not a model folder (expected config.json and *.safetensors)");
    const std::string configPath = (dir / "config.json").string();
    if (!fs::exists(configPath))
        throw Error(configPath, "missing config.json");
    const std::string configText = readFile(configPath);
    json config = parseJson(configText, configPath, "invalid JSON: ");

    std::vector<fs::path> shards;
    for (const auto &entry : fs::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".safetensors")
            shards.push_back(entry.path());
    std::sort(shards.begin(), shards.end());
    if (shards.empty())
        throw Error(dir.string(), "no .safetensors files in the model folder");

    Sha256 sha;
    sha.update("lieq-model-fingerprint-v1\n");
    sha.update(configText);
    std::map<std::string, std::int64_t> bytesPerDtype;
    for (const fs::path &shard : shards) {
        const std::string file = shard.string();
        std::ifstream in(file, std::ios::binary);
        if (!in)
            throw Error(file, "cannot open");
        const SafetensorsHeader h = readHeader(in, file);
        sha.update(shard.filename().string());
        sha.update(h.text);
        hashWeightSample(in, h, sha);
        m.bytes += static_cast<std::int64_t>(h.fileSize);
        json header = parseJson(h.text, file, "invalid safetensors header JSON: ");
        for (const auto &[name, info] : header.items()) {
            if (name == "__metadata__" || !info.is_object())
                continue;
            std::int64_t count = 1;
            for (const auto &d : info.value("shape", json::array()))
                count *= d.get<std::int64_t>();
            m.paramCount += count;
            const auto offsets = info.value("data_offsets", json::array());
            if (offsets.size() == 2)
                bytesPerDtype[info.value("dtype", std::string("?"))] +=
                    offsets[1].get<std::int64_t>() - offsets[0].get<std::int64_t>();
        }
    }
    m.fingerprint = sha.hexDigest();
    m.path = dir.string();
    m.name = dir.filename().string();
    if (config.contains("architectures") && config["architectures"].is_array() &&
        !config["architectures"].empty())
        m.architecture = config["architectures"][0].get<std::string>();
    else
        m.architecture = config.value("model_type", std::string());
    m.layerCount = config.value("num_hidden_layers", std::int64_t(0));
    if (config.contains("torch_dtype") && config["torch_dtype"].is_string()) {
        m.dtype = config["torch_dtype"].get<std::string>();
    } else if (!bytesPerDtype.empty()) {
        // Fall back to the storage type holding most bytes, in safetensors spelling.
        m.dtype = std::max_element(bytesPerDtype.begin(), bytesPerDtype.end(),
                                   [](const auto &a, const auto &b) { return a.second < b.second; })
                      ->first;
    }
    return m;
}

DatasetRecord describeDataset(const std::string &path, const std::string &kind)
{
    DatasetRecord d;
    const fs::path root = fs::absolute(fs::path(path)).lexically_normal();
    std::vector<fs::path> files;
    if (fs::is_regular_file(root)) {
        files.push_back(root);
    } else if (fs::is_directory(root)) {
        for (const auto &entry : fs::recursive_directory_iterator(root))
            if (entry.is_regular_file())
                files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        if (files.empty())
            throw Error(path, "data folder holds no files");
    } else {
        throw Error(path, "no such data file or folder");
    }
    Sha256 sha;
    std::string buf(1 << 20, '\0');
    for (const fs::path &f : files) {
        if (files.size() > 1) // name each file so moving bytes between files changes the hash
            sha.update(f.lexically_relative(root).string() + '\0');
        std::ifstream in(f, std::ios::binary);
        if (!in)
            throw Error(f.string(), "cannot open");
        while (in) {
            in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
            const auto got = in.gcount();
            sha.update(buf.data(), static_cast<std::size_t>(got));
            d.bytes += got;
        }
        if (in.bad())
            throw Error(f.string(), "read failed");
    }
    d.path = root.string();
    d.kind = kind;
    d.contentHash = sha.hexDigest();
    return d;
}

std::string canonicalJson(const std::string &jsonText, const std::string &what)
{
    try {
        // nlohmann::json keeps object keys in a std::map: dump() is sorted and stable.
        return json::parse(jsonText.empty() ? std::string("{}") : jsonText).dump();
    } catch (const json::exception &e) {
        throw Error(what + " is not valid JSON: " + e.what());
    }
}

std::string settingsHash(const std::string &settingsJson)
{
    return Sha256::hex(canonicalJson(settingsJson, "settings"));
}

} // namespace lieq::store
