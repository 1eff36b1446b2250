#pragma once
// Runs a command-line program (the `lieq` CLI, usually) for tests that check it end to end.

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace lieq::test {

struct CliResult
{
    int exitCode = -1; // -1 when the program did not finish in time
    QByteArray out;
    QByteArray err;
};

CliResult runCli(const QString &program, const QStringList &args,
                 const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(),
                 int timeoutMs = 300000);

} // namespace lieq::test
