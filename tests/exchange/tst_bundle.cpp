// Bundles: written from a store (report, plans, metrics, settings, checkpoint, manifest with
// SHA-256), imported into another store (same runs, checkpoint bytes, idempotent), and hostile
// or damaged bundles refused with the store untouched; a full disk or a cancel leaves no file.
#include "core/jobs/import_job.h"
#include "core/store/experiment_store.h"
#include "core/store/sha256.h"
#include "core/store/statement.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "tests/exchange/bundle_zip_forge.h"
#include "tests/exchange/experiment_fixture.h"
#include "ui/bundle/bundle_import.h"
#include "ui/bundle/bundle_reader.h"
#include "ui/bundle/bundle_writer.h"

#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <filesystem>
#include <sys/resource.h>

using namespace lieq;
using namespace lieq::ui::bundle;
namespace fs = std::filesystem;

namespace {

std::int64_t storeRows(const std::string &path)
{
    if (!fs::exists(path))
        return 0;
    store::ExperimentStore s(path);
    std::int64_t n = 0;
    for (const char *t : {"models", "datasets", "analysis_runs", "plans", "quant_runs", "eval_results"}) {
        store::Statement st(s.database(), std::string("SELECT count(*) FROM ") + t);
        n += st.step() ? st.columnInt(0) : 0;
    }
    return n;
}

// A store with the fixture experiment and a fake checkpoint folder for the GPTQ run.
struct Source
{
    QTemporaryDir dir;
    ExperimentFixture f;
    std::string store = dir.filePath(QStringLiteral("src.sqlite")).toStdString();
    std::string ckpt = dir.filePath(QStringLiteral("ckpt")).toStdString();

    Source()
    {
        fs::create_directories(ckpt + "/sub");
        writeFileAtomic(ckpt + "/config.json", "{\"model_type\": \"qwen3\"}\n");
        std::string blob(300000, '\0');
        for (std::size_t i = 0; i < blob.size(); ++i)
            blob[i] = char((i * 2654435761u) >> 13);
        writeFileAtomic(ckpt + "/sub/model.safetensors", blob);
        store::ExperimentStore s(store);
        f.write(s, ckpt);
    }
    BundleRequest request(bool checkpoints) const
    {
        BundleRequest r;
        r.storePath = store;
        r.runs = exchange::parseRunRefs({"q" + std::to_string(f.rtnId), "q" + std::to_string(f.gptqId)});
        r.checkpoints = checkpoints;
        r.versions = {{"lieq", "test"}};
        return r;
    }
};

QByteArray manifestWith(const std::vector<ForgedEntry> &entries, const std::function<void(QJsonObject &)> &edit)
{
    for (const ForgedEntry &e : entries)
        if (e.name == QLatin1String("manifest.json")) {
            QJsonObject m = QJsonDocument::fromJson(e.data).object();
            edit(m);
            return QJsonDocument(m).toJson();
        }
    return {};
}

} // namespace

class TestBundle : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void writesAndImports()
    {
        Source src;
        const std::string zip = src.dir.filePath(QStringLiteral("b.lieqbundle")).toStdString();
        const BundleResult w = writeBundle(src.request(true), zip);
        QCOMPARE(w.checkpointRuns.size(), std::size_t(2));
        QVERIFY(w.bytes > 0 && w.sha256.size() == 64);
        BundleReader r(zip);
        r.verify();
        for (const char *name : {"experiment.json", "report.html", "report.pdf", "metrics/results.csv",
                                 "metrics/layers.csv", "metrics/report.json", "settings/a1.json"})
            QVERIFY2(r.manifest().find(name), name);
        const std::string q = "q" + std::to_string(src.f.gptqId);
        QVERIFY(r.manifest().find("plans/" + q + ".plan.json"));
        QVERIFY(r.manifest().find("checkpoints/" + q + "/sub/model.safetensors"));
        QCOMPARE(r.read("checkpoints/" + q + "/config.json"), readFile(src.ckpt + "/config.json"));
        QVERIFY(r.read("report.pdf").rfind("%PDF-", 0) == 0);
        // The manifest's hashes are the files' hashes.
        const auto *csv = r.manifest().find("metrics/results.csv");
        QCOMPARE(store::Sha256::hex(r.read("metrics/results.csv")), csv->sha256);

        QTemporaryDir dest;
        ImportOptions o;
        o.storePath = dest.filePath(QStringLiteral("dst.sqlite")).toStdString();
        o.checkpointRoot = dest.filePath(QStringLiteral("ckpts")).toStdString();
        const ImportResult a = importBundle(zip, o, jobs::importSnapshot);
        QCOMPARE(a.restore.runs.size(), std::size_t(3));
        QCOMPARE(a.checkpointDirs.size(), std::size_t(2));
        QCOMPARE(readFile(a.checkpointDirs[1] + "/sub/model.safetensors"), readFile(src.ckpt + "/sub/model.safetensors"));
        store::ExperimentStore dst(o.storePath);
        const auto run = dst.loadQuantRun(a.restore.quantRunIds.at(src.f.gptqId));
        QVERIFY(run);
        QCOMPARE(run->run.outputPath, a.checkpointDirs[1]);
        QCOMPARE(run->run.method, std::string("gptq"));
        const std::int64_t rows = storeRows(o.storePath);

        const ImportResult b = importBundle(zip, o, jobs::importSnapshot); // again: nothing new
        QCOMPARE(b.restore.added, 0);
        QCOMPARE(storeRows(o.storePath), rows);
        QCOMPARE(b.checkpointDirs, a.checkpointDirs);
        QCOMPARE(int(QDir(QString::fromStdString(o.checkpointRoot)).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).size()), 2);
    }

    void hostileBundlesAreRefused_data()
    {
        QTest::addColumn<QString>("attack");
        QTest::addColumn<QString>("message");
        QTest::newRow("absolute path") << "absolute" << "is an absolute path";
        QTest::newRow("dot dot") << "dotdot" << "contains a \"..\" component";
        QTest::newRow("symbolic link") << "symlink" << "is a symbolic link";
        QTest::newRow("unlisted entry") << "unlisted" << "is not listed in manifest.json";
        QTest::newRow("missing entry") << "missing" << "is listed in manifest.json but missing";
        QTest::newRow("tampered bytes") << "tampered" << "does not match its SHA-256";
        QTest::newRow("size lies to the manifest") << "bigger" << "declares";
        QTest::newRow("size lies to the data") << "lyingsize" << "CRC";
        QTest::newRow("duplicate entry") << "duplicate" << "appears twice";
        QTest::newRow("no manifest") << "nomanifest" << "has no manifest.json";
        QTest::newRow("manifest lists ..") << "manifestdotdot" << "contains a \"..\" component";
        QTest::newRow("not a zip") << "notzip" << "is not a zip file";
    }
    void hostileBundlesAreRefused()
    {
        QFETCH(QString, attack);
        QFETCH(QString, message);
        Source src;
        const QString good = src.dir.filePath(QStringLiteral("good.zip"));
        writeBundle(src.request(false), good.toStdString());
        std::vector<ForgedEntry> e = readZipEntries(good);
        const QString bad = src.dir.filePath(QStringLiteral("bad.zip"));
        const QString csv = QStringLiteral("metrics/results.csv");
        auto entry = [&](const QString &name) -> ForgedEntry & {
            for (ForgedEntry &x : e)
                if (x.name == name)
                    return x;
            qFatal("no entry %s", qPrintable(name));
        };
        if (attack == QLatin1String("absolute"))
            e.push_back({QStringLiteral("/tmp/evil.sh"), "echo", 0100644});
        else if (attack == QLatin1String("dotdot"))
            e.push_back({QStringLiteral("checkpoints/../../evil.sh"), "echo", 0100644});
        else if (attack == QLatin1String("symlink"))
            e.push_back({QStringLiteral("checkpoints/q9/link"), "/etc/passwd", 0120777});
        else if (attack == QLatin1String("unlisted"))
            e.push_back({QStringLiteral("extra.txt"), "hello", 0100644});
        else if (attack == QLatin1String("missing"))
            e.erase(std::remove_if(e.begin(), e.end(), [&](const ForgedEntry &x) { return x.name == csv; }), e.end());
        else if (attack == QLatin1String("tampered"))
            entry(csv).data[0] = entry(csv).data[0] == 'x' ? 'y' : 'x';
        else if (attack == QLatin1String("bigger") || attack == QLatin1String("lyingsize"))
            entry(csv).data += QByteArray(4096, 'A');
        else if (attack == QLatin1String("duplicate"))
            e.push_back(entry(csv));
        else if (attack == QLatin1String("nomanifest"))
            e.erase(std::remove_if(e.begin(), e.end(), [](const ForgedEntry &x) { return x.name == QLatin1String("manifest.json"); }), e.end());
        else if (attack == QLatin1String("manifestdotdot"))
            entry(QStringLiteral("manifest.json")).data = manifestWith(e, [](QJsonObject &m) {
                QJsonArray files = m[QStringLiteral("files")].toArray();
                QJsonObject f = files[0].toObject();
                f[QStringLiteral("path")] = QStringLiteral("../outside.json");
                files[0] = f;
                m[QStringLiteral("files")] = files;
            });
        if (attack == QLatin1String("notzip")) {
            QFile f(bad);
            f.open(QIODevice::WriteOnly);
            f.write(QByteArray(5000, 'z'));
        } else {
            writeZip(bad, e);
        }
        if (attack == QLatin1String("lyingsize")) // both headers claim the manifest's size
            patchDeclaredSize(bad, csv, quint32(entry(csv).data.size() - 4096));

        QTemporaryDir dest;
        ImportOptions o;
        o.storePath = dest.filePath(QStringLiteral("dst.sqlite")).toStdString();
        o.checkpointRoot = dest.filePath(QStringLiteral("ckpts")).toStdString();
        try {
            importBundle(bad.toStdString(), o, jobs::importSnapshot);
            QFAIL("the bundle was accepted");
        } catch (const Error &err) {
            const QString what = QString::fromUtf8(err.what());
            QVERIFY2(what.contains(message) && what.contains(bad), err.what());
        }
        QCOMPARE(storeRows(o.storePath), std::int64_t(0));
        QVERIFY(!fs::exists(o.checkpointRoot));
        QVERIFY(!fs::exists(dest.filePath(QStringLiteral("evil.sh")).toStdString()));
    }

    void fullDiskOrCancelLeavesNoFile_data()
    {
        QTest::addColumn<QString>("failure");
        QTest::newRow("full disk") << "disk";
        QTest::newRow("cancel") << "cancel";
    }
    void fullDiskOrCancelLeavesNoFile()
    {
        QFETCH(QString, failure);
        Source src;
        QTemporaryDir out;
        const std::string zip = out.filePath(QStringLiteral("b.zip")).toStdString();
        ProgressFn progress;
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        if (failure == QLatin1String("cancel")) {
            progress = [](const Progress &p) { return !(p.stage == "bundle" && p.done > 100000); };
        } else {
            std::signal(SIGXFSZ, SIG_IGN); // writes past the limit fail with EFBIG, like ENOSPC
            rlimit small = old;
            small.rlim_cur = 64 * 1024;
            QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
        }
        bool failed = false;
        try {
            writeBundle(src.request(true), zip, progress);
        } catch (const Cancelled &) {
            failed = failure == QLatin1String("cancel");
        } catch (const Error &e) {
            failed = failure == QLatin1String("disk") && QString::fromUtf8(e.what()).contains(QString::fromStdString(zip));
            if (!failed)
                qWarning("%s", e.what());
        }
        setrlimit(RLIMIT_FSIZE, &old);
        QVERIFY(failed);
        QCOMPARE(int(QDir(out.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden).size()), 0);
    }
};

QTEST_MAIN(TestBundle)
#include "tst_bundle.moc"
