#include "ui/bundle/bundle_manifest.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <set>

namespace lieq::ui::bundle {

namespace {
using ojson = nlohmann::ordered_json;
}

std::string unsafeEntryReason(const std::string &name)
{
    if (name.empty())
        return "has an empty name";
    if (name.size() > 512)
        return "has a name longer than 512 bytes";
    if (name.front() == '/')
        return "is an absolute path";
    if (name.size() >= 2 && name[1] == ':')
        return "starts with a drive letter";
    for (unsigned char c : name) {
        if (c == '\\')
            return "contains a backslash";
        if (c < 0x20 || c == 0x7f)
            return "contains a control character";
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t end = std::min(name.find('/', start), name.size());
        const std::string part = name.substr(start, end - start);
        if (part == "..")
            return "contains a \"..\" component";
        if (part.empty() || part == ".")
            return "contains an empty or \".\" component";
        start = end + 1;
    }
    return {};
}

std::string BundleManifest::toJson() const
{
    ojson files = ojson::array();
    for (const File &f : this->files)
        files.push_back({{"path", f.path}, {"bytes", f.bytes}, {"sha256", f.sha256}});
    const ojson j{{"schema", kSchema},   {"schemaVersion", kSchemaVersion}, {"title", title},
                  {"generator", generator}, {"created_at_ms", createdAtMs}, {"runs", runs},
                  {"checkpoint_runs", checkpointRuns}, {"files", files}};
    return j.dump(2) + "\n";
}

BundleManifest BundleManifest::fromJson(const std::string &text, const std::string &source)
{
    ojson j;
    try {
        j = ojson::parse(text);
    } catch (const ojson::exception &e) { // parse_error, or out_of_range for 1e999
        throw Error(source, std::string("manifest.json is not valid JSON: ") + e.what());
    }
    // Compared as JSON values: value("schema", "") would throw on a non-string, and
    // value("schemaVersion", 0) converts 1e300 to int with undefined behaviour.
    if (!j.is_object() || !j.contains("schema") || j.at("schema") != kSchema)
        throw Error(source, "is not a LieQ bundle (manifest.json lacks schema \"lieq.bundle\")");
    if (!j.contains("schemaVersion") || j.at("schemaVersion") != kSchemaVersion)
        throw Error(source, "bundle schemaVersion " + j.value("schemaVersion", ojson()).dump() +
                                " is not supported (this build reads " + std::to_string(kSchemaVersion) + ")");
    BundleManifest m;
    try {
        m.title = j.value("title", "");
        m.generator = j.value("generator", "");
        if (j.contains("created_at_ms") && !j.at("created_at_ms").is_number_integer())
            throw Error(source, "manifest.json: created_at_ms is not an integer");
        m.createdAtMs = j.value("created_at_ms", std::int64_t(0));
        m.runs = j.at("runs").get<std::vector<std::string>>();
        m.checkpointRuns = j.value("checkpoint_runs", std::vector<std::string>{});
        std::set<std::string> seen;
        for (const ojson &f : j.at("files")) {
            if (!f.at("bytes").is_number_integer()) // a float would convert with UB
                throw Error(source, "manifest.json lists a file whose bytes is not an integer");
            File file{f.at("path").get<std::string>(), f.at("bytes").get<std::int64_t>(),
                      f.at("sha256").get<std::string>()};
            if (const std::string why = unsafeEntryReason(file.path); !why.empty())
                throw Error(source, "manifest.json lists \"" + file.path + "\", which " + why);
            if (file.bytes < 0 || file.sha256.size() != 64)
                throw Error(source, "manifest.json lists \"" + file.path + "\" with an impossible size or hash");
            if (!seen.insert(file.path).second || file.path == kFileName)
                throw Error(source, "manifest.json lists \"" + file.path + "\" twice");
            m.files.push_back(std::move(file));
        }
    } catch (const ojson::exception &e) {
        throw Error(source, std::string("manifest.json is malformed: ") + e.what());
    }
    return m;
}

const BundleManifest::File *BundleManifest::find(const std::string &path) const
{
    for (const File &f : files)
        if (f.path == path)
            return &f;
    return nullptr;
}

} // namespace lieq::ui::bundle
