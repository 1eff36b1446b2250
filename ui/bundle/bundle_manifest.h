#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lieq::ui::bundle {

// manifest.json of a bundle: what it holds, with the size and SHA-256 of every other entry.
// A reader trusts nothing else in the zip: entries not listed, listed but missing, or whose
// bytes do not match are refused.
struct BundleManifest
{
    static constexpr const char *kFileName = "manifest.json";
    static constexpr const char *kSchema = "lieq.bundle";
    static constexpr int kSchemaVersion = 1;

    struct File
    {
        std::string path; // relative, '/'-separated
        std::int64_t bytes = 0;
        std::string sha256;
    };

    std::string title;
    std::string generator;
    std::int64_t createdAtMs = 0;
    std::vector<std::string> runs;             // "a3", "q5" as in the source store
    std::vector<std::string> checkpointRuns;   // quant runs whose checkpoint is included
    std::vector<File> files;

    std::string toJson() const;
    // Throws lieq::Error naming `source` on any malformed or unsafe field (see safeEntryName).
    static BundleManifest fromJson(const std::string &text, const std::string &source);
    const File *find(const std::string &path) const;
};

// Whether a zip entry name may be written to disk under a folder: relative, '/'-separated, no
// "..", "." or empty components, no backslash, drive letter or control character, at most
// 512 bytes. Returns the reason when not, else an empty string.
std::string unsafeEntryReason(const std::string &name);

} // namespace lieq::ui::bundle
