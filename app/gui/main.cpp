// lieq-workbench: creates the application and the main window; everything else is in lieq_ui.
#include "ui/appsettings.h"
#include "ui/languagemanager.h"
#include "ui/workbench.h"

#include "core/util/thread_environment.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char **argv)
{
    // Before anything else: libtorch's OpenMP and OpenBLAS read their thread settings at start.
    lieq::ensureThreadEnvironment(argv);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("LieQ"));
    QApplication::setApplicationName(QStringLiteral("LieQ Workbench"));
    QApplication::setApplicationVersion(lieq::ui::Workbench::version());
    // Ties windows to the installed io.github.lieq.Workbench.desktop (icon, name on Wayland).
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.lieq.Workbench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Layer-wise mixed-precision quantization workbench"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("Model folder to open"));
    parser.addPositionalArgument(QStringLiteral("data"), QStringLiteral("With --screenshots: text file to analyse and evaluate first"));
    QCommandLineOption screenshots(QStringLiteral("screenshots"),
                                   QStringLiteral("Save PNGs of the main views into DIR and quit"),
                                   QStringLiteral("DIR"));
    parser.addOption(screenshots);
    parser.process(app);

    lieq::ui::LanguageManager::apply(lieq::ui::AppSettings::language());
    lieq::ui::Workbench workbench;
    const QStringList args = parser.positionalArguments();
    if (parser.isSet(screenshots))
        return workbench.runScreenshots(args.value(0), parser.value(screenshots), args.value(1));
    workbench.show(args.value(0));
    return app.exec();
}
