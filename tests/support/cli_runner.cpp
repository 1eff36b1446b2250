#include "tests/support/cli_runner.h"

#include <QProcess>

namespace lieq::test {

CliResult runCli(const QString &program, const QStringList &args, const QProcessEnvironment &env,
                 int timeoutMs)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) return {};
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

} // namespace lieq::test
