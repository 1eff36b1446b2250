#include "ui/bundle/bundle_reader.h"

#include "core/store/sha256.h"
#include "core/util/error.h"

#include <quazip/quazip.h>
#include <quazip/quazipfile.h>
#include <quazip/quazipfileinfo.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace lieq::ui::bundle {

namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kManifestLimit = 16 << 20;
}

BundleReader::BundleReader(std::string path) : m_path(std::move(path)), m_zip(std::make_unique<QuaZip>(QString::fromStdString(m_path)))
{
    if (!fs::is_regular_file(m_path))
        throw Error(m_path, "no bundle file here");
    if (!m_zip->open(QuaZip::mdUnzip))
        throw Error(m_path, "is not a zip file (or is damaged): zip error " + std::to_string(m_zip->getZipError()));
    std::map<std::string, std::int64_t> sizes;
    for (bool more = m_zip->goToFirstFile(); more; more = m_zip->goToNextFile()) {
        QuaZipFileInfo64 info;
        if (!m_zip->getCurrentFileInfo(&info))
            throw Error(m_path, "has an unreadable zip directory entry");
        const std::string name = info.name.toStdString();
        if (const std::string why = unsafeEntryReason(name); !why.empty())
            fail(name, why + "; refusing the bundle");
        const unsigned mode = (info.externalAttr >> 16) & S_IFMT;
        if (info.isSymbolicLink() || mode == S_IFLNK)
            fail(name, "is a symbolic link; refusing the bundle");
        if (mode != 0 && mode != S_IFREG)
            fail(name, "is not a regular file; refusing the bundle");
        if (info.isEncrypted())
            fail(name, "is encrypted; bundles are never encrypted");
        if (!sizes.emplace(name, std::int64_t(info.uncompressedSize)).second)
            fail(name, "appears twice in the zip");
    }
    if (m_zip->getZipError() != UNZ_OK)
        throw Error(m_path, "has a damaged zip directory (zip error " + std::to_string(m_zip->getZipError()) + ")");
    const auto man = sizes.find(BundleManifest::kFileName);
    if (man == sizes.end())
        throw Error(m_path, "is not a LieQ bundle: it has no manifest.json");
    if (man->second > kManifestLimit)
        fail(BundleManifest::kFileName, "is larger than 16 MB");
    // The manifest has no hash of its own; its size and CRC are still checked while reading.
    std::string text;
    {
        std::int64_t done = 0;
        const BundleManifest::File self{BundleManifest::kFileName, man->second, {}};
        stream(self, [&](const char *p, std::size_t n) { text.append(p, n); }, {}, done, 0);
    }
    m_manifest = BundleManifest::fromJson(text, m_path);
    for (const auto &[name, bytes] : sizes) {
        if (name == BundleManifest::kFileName)
            continue;
        const BundleManifest::File *f = m_manifest.find(name);
        if (!f)
            fail(name, "is not listed in manifest.json; refusing the bundle");
        if (f->bytes != bytes)
            fail(name, "declares " + std::to_string(bytes) + " bytes in the zip directory but " +
                           std::to_string(f->bytes) + " in manifest.json");
    }
    for (const BundleManifest::File &f : m_manifest.files)
        if (!sizes.count(f.path))
            fail(f.path, "is listed in manifest.json but missing from the zip");
}

BundleReader::~BundleReader()
{
    if (m_zip->isOpen())
        m_zip->close();
}

void BundleReader::fail(const std::string &entry, const std::string &what) const
{
    throw Error(m_path, "entry \"" + entry + "\" " + what);
}

void BundleReader::stream(const BundleManifest::File &file, const Sink &sink, const ProgressFn &progress,
                          std::int64_t &done, std::int64_t total)
{
    if (!m_zip->setCurrentFile(QString::fromStdString(file.path), QuaZip::csSensitive))
        fail(file.path, "cannot be found in the zip");
    QuaZipFile in(m_zip.get());
    if (!in.open(QIODevice::ReadOnly))
        fail(file.path, "cannot be opened (zip error " + std::to_string(in.getZipError()) + ")");
    store::Sha256 sha;
    std::int64_t got = 0;
    std::vector<char> buf(1 << 20);
    for (;;) {
        const qint64 n = in.read(buf.data(), qint64(buf.size()));
        if (n < 0)
            fail(file.path, "is damaged (zip error " + std::to_string(in.getZipError()) + ")");
        if (n == 0)
            break;
        got += n;
        if (got > file.bytes)
            fail(file.path, "holds more bytes than the " + std::to_string(file.bytes) + " it declares");
        sha.update(buf.data(), std::size_t(n));
        if (sink)
            sink(buf.data(), std::size_t(n));
        done += n;
        if (total > 0)
            reportProgress(progress, {"verify bundle", done, total, file.path});
    }
    in.close();
    if (in.getZipError() != UNZ_OK)
        fail(file.path, "does not match its zip checksum (CRC): its sizes or bytes were altered");
    if (got != file.bytes)
        fail(file.path, "holds " + std::to_string(got) + " bytes but declares " + std::to_string(file.bytes));
    if (!file.sha256.empty() && sha.hexDigest() != file.sha256)
        fail(file.path, "does not match its SHA-256 in manifest.json");
}

void BundleReader::verify(const ProgressFn &progress)
{
    std::int64_t total = 0, done = 0;
    for (const auto &f : m_manifest.files)
        total += f.bytes;
    for (const auto &f : m_manifest.files)
        stream(f, {}, progress, done, std::max<std::int64_t>(1, total));
}

std::string BundleReader::read(const std::string &entry, std::int64_t limit)
{
    const BundleManifest::File *f = m_manifest.find(entry);
    if (!f)
        throw Error(m_path, "the bundle holds no \"" + entry + "\"");
    if (f->bytes > limit)
        fail(entry, "is larger than " + std::to_string(limit) + " bytes");
    std::string out;
    out.reserve(std::size_t(f->bytes));
    std::int64_t done = 0;
    stream(*f, [&](const char *p, std::size_t n) { out.append(p, n); }, {}, done, 0);
    return out;
}

int BundleReader::extract(const std::string &prefix, const std::string &dir, const ProgressFn &progress)
{
    if (fs::exists(dir))
        throw Error(dir, "already exists; refusing to extract the bundle over it");
    std::int64_t total = 0, done = 0;
    for (const auto &f : m_manifest.files)
        if (f.path.rfind(prefix, 0) == 0)
            total += f.bytes;
    int files = 0;
    try {
        fs::create_directories(dir);
        for (const auto &f : m_manifest.files) {
            if (f.path.rfind(prefix, 0) != 0 || f.path.size() == prefix.size())
                continue;
            const fs::path target = fs::path(dir) / f.path.substr(prefix.size());
            fs::create_directories(target.parent_path());
            std::ofstream out(target, std::ios::binary | std::ios::trunc);
            if (!out)
                throw Error(target.string(), "cannot be created while extracting the bundle");
            stream(f, [&](const char *p, std::size_t n) {
                if (!out.write(p, std::streamsize(n)))
                    throw Error(target.string(), "write failed while extracting the bundle (disk full?)");
            }, progress, done, std::max<std::int64_t>(1, total));
            out.close();
            if (!out)
                throw Error(target.string(), "write failed while extracting the bundle (disk full?)");
            ++files;
        }
    } catch (...) {
        std::error_code ec;
        fs::remove_all(dir, ec);
        throw;
    }
    return files;
}

} // namespace lieq::ui::bundle
