#include "ui/appsettings.h"

#include "core/jobs/job_context.h"
#include "core/store/experiment_store.h"
#include "ui/jobrunner.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <QThread>

namespace lieq::ui {

namespace {
QString str(const char *key, const QString &def = {})
{
    return QSettings().value(QLatin1StringView(key), def).toString();
}
void put(const char *key, const QVariant &v) { QSettings().setValue(QLatin1StringView(key), v); }
} // namespace

int AppSettings::threads()
{
    return QSettings().value(QStringLiteral("engine/threads"), QThread::idealThreadCount()).toInt();
}
void AppSettings::setThreads(int n) { put("engine/threads", n); }

QString AppSettings::device()
{
    // The GPU when there is one, unless the user chose otherwise; a saved "cuda" falls back
    // to the CPU on a machine (or build) without one.
    const QString d = str("engine/device", cudaAvailable() ? QStringLiteral("cuda") : QStringLiteral("cpu"));
    return d == QLatin1StringView("cuda") && !cudaAvailable() ? QStringLiteral("cpu") : d;
}
void AppSettings::setDevice(const QString &d) { put("engine/device", d); }

bool AppSettings::cudaAvailable()
{
    // Asked once: libtorch probes the driver, and the answer does not change while running.
    static const bool available = jobs::cudaAvailable();
    return available;
}

QString AppSettings::calibrationData() { return str("data/calibration"); }
void AppSettings::setCalibrationData(const QString &p) { put("data/calibration", p); }
QString AppSettings::evaluationData() { return str("data/evaluation"); }
void AppSettings::setEvaluationData(const QString &p) { put("data/evaluation", p); }
QString AppSettings::dataDirectory() { return str("data/directory"); }
void AppSettings::setDataDirectory(const QString &p) { put("data/directory", p); }

QString AppSettings::storePath()
{
    // The CLI's default, so that `lieq analyze` runs show up in the GUI's history.
    return str("store/path", QString::fromStdString(store::ExperimentStore::defaultPath()));
}
void AppSettings::setStorePath(const QString &p) { put("store/path", p); }

jobs::JobContext AppSettings::jobContext() { return ui::jobContext(storePath(), device(), threads()); }

QString AppSettings::language() { return str("ui/language", QStringLiteral("en")); }
void AppSettings::setLanguage(const QString &code) { put("ui/language", code); }

QStringList AppSettings::recentModels()
{
    return QSettings().value(QStringLiteral("ui/recentModels")).toStringList();
}

void AppSettings::addRecentModel(const QString &path)
{
    const QString clean = QDir::cleanPath(path);
    QStringList list = recentModels();
    list.removeAll(clean);
    list.prepend(clean);
    while (list.size() > kMaxRecent)
        list.removeLast();
    put("ui/recentModels", list);
}

void AppSettings::removeRecentModel(const QString &path)
{
    QStringList list = recentModels();
    list.removeAll(QDir::cleanPath(path));
    put("ui/recentModels", list);
}

} // namespace lieq::ui
