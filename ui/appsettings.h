#pragma once

#include <QString>
#include <QStringList>

namespace lieq::jobs {
struct JobContext;
}

namespace lieq::ui {

// The workbench's persistent settings, one place over QSettings so that keys and defaults are
// not scattered through the widgets.
class AppSettings
{
public:
    static int threads();                 // default: ideal thread count
    static void setThreads(int n);
    static QString device();              // "cpu" or "cuda" (only when cudaAvailable())
    static void setDevice(const QString &d);
    static bool cudaAvailable();          // libtorch has CUDA and sees a GPU
    static QString calibrationData();     // text/JSONL file for calibration
    static void setCalibrationData(const QString &path);
    static QString evaluationData();      // text file for perplexity
    static void setEvaluationData(const QString &path);
    static QString dataDirectory();       // where standard sets are looked up
    static void setDataDirectory(const QString &path);
    static QString storePath();           // SQLite experiment store
    static void setStorePath(const QString &path);
    // The context of a job run with these settings: the store, the device and the threads.
    static jobs::JobContext jobContext();
    static QString language();            // "en", "de", "zh_CN"
    static void setLanguage(const QString &code);

    static QStringList recentModels();
    static void addRecentModel(const QString &path); // most recent first, at most kMaxRecent
    static void removeRecentModel(const QString &path);
    static constexpr int kMaxRecent = 8;
};

} // namespace lieq::ui
