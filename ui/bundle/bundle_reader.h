#pragma once

#include "core/util/progress.h"
#include "ui/bundle/bundle_manifest.h"

#include <functional>
#include <memory>
#include <string>

class QuaZip;

namespace lieq::ui::bundle {

// Reads a bundle without trusting it. Opening checks the zip's directory: every entry must
// have a safe relative name (no absolute path, "..", backslash; see unsafeEntryReason), be a
// regular file (no symbolic link, directory or encrypted entry), appear once, be listed in
// manifest.json with the same size, and every listed file must be present. Reading an entry
// stops at its declared size and checks the byte count, the zip CRC and the manifest's
// SHA-256, so an entry whose sizes lie is refused before anything is used. Errors are
// lieq::Error naming the bundle and the entry.
class BundleReader
{
public:
    explicit BundleReader(std::string path);
    ~BundleReader();
    BundleReader(const BundleReader &) = delete;
    BundleReader &operator=(const BundleReader &) = delete;

    const BundleManifest &manifest() const { return m_manifest; }
    const std::string &path() const { return m_path; }

    // Reads every listed entry once and checks it (progress stage "verify bundle").
    void verify(const ProgressFn &progress = {});
    // One verified entry in memory; entries above `limit` bytes are refused.
    std::string read(const std::string &entry, std::int64_t limit = 256 << 20);
    // Writes the verified entries under `prefix` (e.g. "checkpoints/q3/") into `dir`, which
    // must not exist yet; returns the number of files. A failure removes what was written.
    int extract(const std::string &prefix, const std::string &dir, const ProgressFn &progress = {});

private:
    using Sink = std::function<void(const char *data, std::size_t n)>;
    void stream(const BundleManifest::File &file, const Sink &sink, const ProgressFn &progress,
                std::int64_t &done, std::int64_t total);
    [[noreturn]] void fail(const std::string &entry, const std::string &what) const;

    std::string m_path;
    std::unique_ptr<QuaZip> m_zip;
    BundleManifest m_manifest;
};

} // namespace lieq::ui::bundle
