#include "ui/bundle/bundle_writer.h"

#include "core/alloc/plan_json.h"
#include "core/exchange/experiment_snapshot.h"
#include "core/exchange/report_data.h"
#include "core/exchange/results_table.h"
#include "core/store/experiment_store.h"
#include "core/store/sha256.h"
#include "core/util/error.h"
#include "ui/bundle/atomic_file_device.h"
#include "ui/bundle/bundle_manifest.h"
#include "ui/report/report_writer.h"

#include <quazip/quazip.h>
#include <quazip/quazipfile.h>
#include <quazip/quazipnewinfo.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace lieq::ui::bundle {

namespace fs = std::filesystem;

namespace {

// One entry to write: bytes in memory, or a file streamed from disk.
struct Entry
{
    std::string name;
    std::string data;
    std::string sourceFile;
};

std::string planEntry(const store::Plan &plan, const std::string &source)
{
    try {
        return alloc::planToJson(alloc::planFromJson(plan.settingsJson, source));
    } catch (const Error &) {
        return nlohmann::json{{"bits", nlohmann::json::parse(plan.bitsJson, nullptr, false)},
                              {"method", plan.method}, {"budget", plan.budgetBits}}
                   .dump(2) + "\n";
    }
}

std::string runSettings(const std::string &settings, const std::string &timings, double wall)
{
    nlohmann::ordered_json j{{"settings", nlohmann::ordered_json::parse(settings, nullptr, false)},
                             {"timings", nlohmann::ordered_json::parse(timings, nullptr, false)}};
    j["wall_seconds"] = std::isfinite(wall) ? nlohmann::ordered_json(wall) : nlohmann::ordered_json();
    return j.dump(2) + "\n";
}

std::vector<Entry> checkpointEntries(const exchange::ReportQuantRun &q)
{
    const std::string dir = q.detail.run.outputPath;
    if (dir.empty() || !fs::is_directory(dir))
        throw Error(dir.empty() ? std::string("q") + std::to_string(q.detail.run.id) : dir,
                    "quantization run q" + std::to_string(q.detail.run.id) +
                        " has no checkpoint folder to bundle (was it saved with --out?)");
    std::vector<Entry> out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_symlink())
            throw Error(it->path().string(), "is a symbolic link; bundles hold regular files only");
        if (!it->is_regular_file())
            continue;
        const std::string rel = fs::relative(it->path(), dir).generic_string();
        out.push_back({"checkpoints/" + exchange::RunRef{store::RunKind::Quant, q.detail.run.id}.text() + "/" + rel, {},
                       it->path().string()});
    }
    return out;
}

std::string ref(store::RunKind kind, std::int64_t id) { return exchange::RunRef{kind, id}.text(); }

std::int64_t entryBytes(const Entry &e)
{
    return e.sourceFile.empty() ? std::int64_t(e.data.size()) : std::int64_t(fs::file_size(e.sourceFile));
}

class ZipOut
{
public:
    ZipOut(const std::string &path) : m_dev(path), m_zip(&m_dev)
    {
        m_zip.setZip64Enabled(true);
        m_zip.setUtf8Enabled(true);
        if (!m_zip.open(QuaZip::mdCreate))
            fail("cannot start the zip");
    }
    ~ZipOut()
    {
        if (m_zip.isOpen())
            m_zip.close();
    }

    // Writes one entry, streaming files in chunks; returns its manifest record.
    BundleManifest::File add(const Entry &e, const ProgressFn &progress, std::int64_t &done, std::int64_t total)
    {
        QuaZipNewInfo info(QString::fromStdString(e.name));
        info.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                            QFileDevice::ReadOther);
        QuaZipFile f(&m_zip);
        if (!f.open(QIODevice::WriteOnly, info, nullptr, 0, Z_DEFLATED, 6))
            fail("cannot add " + e.name);
        store::Sha256 sha;
        std::int64_t bytes = 0;
        auto put = [&](const char *p, std::size_t n) {
            sha.update(p, n);
            bytes += std::int64_t(n);
            if (f.write(p, qint64(n)) != qint64(n))
                fail("cannot write " + e.name);
            done += std::int64_t(n);
            reportProgress(progress, {"bundle", done, total, e.name});
        };
        if (e.sourceFile.empty()) {
            put(e.data.data(), e.data.size());
        } else {
            std::ifstream in(e.sourceFile, std::ios::binary);
            if (!in)
                throw Error(e.sourceFile, "cannot be read for the bundle");
            std::vector<char> buf(1 << 20);
            while (in) {
                in.read(buf.data(), std::streamsize(buf.size()));
                if (in.gcount() > 0)
                    put(buf.data(), std::size_t(in.gcount()));
            }
            if (in.bad())
                throw Error(e.sourceFile, "read failed while bundling");
        }
        f.close();
        if (f.getZipError() != ZIP_OK)
            fail("cannot finish " + e.name);
        return {e.name, bytes, sha.hexDigest()};
    }

    void commit()
    {
        m_zip.close();
        if (m_zip.getZipError() != ZIP_OK)
            fail("cannot finish the zip directory");
        m_dev.commit();
    }

private:
    [[noreturn]] void fail(const std::string &what)
    {
        throw Error(m_dev.path(), what + (m_dev.error().empty() ? std::string(" (zip error ") +
                                                                      std::to_string(m_zip.getZipError()) + ")"
                                                                : ": " + m_dev.error()));
    }
    AtomicFileDevice m_dev;
    QuaZip m_zip;
};

} // namespace

BundleResult writeBundle(const BundleRequest &request, const std::string &outPath, const ProgressFn &progress)
{
    const std::string storePath = request.storePath.empty() ? store::ExperimentStore::defaultPath() : request.storePath;
    if (!fs::exists(storePath))
        throw Error(storePath, "no experiment store here");
    store::ExperimentStore db(storePath, store::ExperimentStore::Access::ReadOnly);
    exchange::ReportOptions ro;
    ro.versions = request.versions;
    const exchange::ReportData data = exchange::collectReport(db, request.runs, ro);
    const exchange::ResultsTable table = exchange::buildResultsTable(data);

    std::vector<Entry> entries;
    entries.push_back({"experiment.json", exchange::experimentSnapshotJson(data), {}});
    entries.push_back({"metrics/results.csv", exchange::resultsCsv(table), {}});
    entries.push_back({"metrics/layers.csv", exchange::layersCsv(data), {}});
    entries.push_back({"metrics/report.json", exchange::reportJson(data, table), {}});
    for (const auto &a : data.analyses)
        entries.push_back({"settings/" + ref(store::RunKind::Analysis, a.detail.run.id) + ".json",
                           runSettings(a.detail.run.settingsJson, a.detail.run.timingsJson, a.detail.run.wallSeconds), {}});
    BundleManifest manifest;
    for (const auto &q : data.quantRuns) {
        const std::string qref = ref(store::RunKind::Quant, q.detail.run.id);
        entries.push_back({"plans/" + qref + ".plan.json", planEntry(q.detail.plan, storePath), {}});
        entries.push_back({"settings/" + qref + ".json",
                           runSettings(q.detail.run.settingsJson, q.detail.run.timingsJson, q.detail.run.wallSeconds), {}});
        if (request.checkpoints) {
            for (Entry &e : checkpointEntries(q))
                entries.push_back(std::move(e));
            manifest.checkpointRuns.push_back(qref);
        }
    }
    if (request.report) {
        const report::RenderedReport r = report::renderReport(data, true, true, progress);
        entries.push_back({"report.html", r.html.toStdString(), {}});
        entries.push_back({"report.pdf", r.pdf.toStdString(), {}});
    }

    manifest.title = data.title;
    manifest.createdAtMs = data.generatedAtMs;
    for (const auto &[k, v] : request.versions)
        manifest.generator += (manifest.generator.empty() ? "" : ", ") + k + " " + v;
    for (const auto &a : data.analyses)
        manifest.runs.push_back(ref(store::RunKind::Analysis, a.detail.run.id));
    for (const auto &q : data.quantRuns)
        manifest.runs.push_back(ref(store::RunKind::Quant, q.detail.run.id));

    std::int64_t total = 0, done = 0;
    for (const Entry &e : entries)
        total += entryBytes(e);
    {
        ZipOut zip(outPath);
        for (const Entry &e : entries)
            manifest.files.push_back(zip.add(e, progress, done, total));
        zip.add({BundleManifest::kFileName, manifest.toJson(), {}}, progress, done, total);
        zip.commit();
    }
    BundleResult out;
    out.path = outPath;
    out.bytes = std::int64_t(fs::file_size(outPath));
    out.files = int(entries.size());
    out.checkpointRuns = manifest.checkpointRuns;
    store::Sha256 sha;
    std::ifstream in(outPath, std::ios::binary);
    std::vector<char> buf(1 << 20);
    while (in.read(buf.data(), std::streamsize(buf.size())) || in.gcount() > 0)
        sha.update(buf.data(), std::size_t(in.gcount()));
    out.sha256 = sha.hexDigest();
    return out;
}

} // namespace lieq::ui::bundle
