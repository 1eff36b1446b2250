#include "tests/sweep/sweep_fixture.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace lieq::test {

namespace {

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

} // namespace

QJsonObject parseJson(const QByteArray &text)
{
    return QJsonDocument::fromJson(text).object();
}

QString SweepFixture::program() const { return QStringLiteral(LIEQ_CLI_PATH); }

bool SweepFixture::prepare(const QString &folder, const QStringList &plans, const QList<int> &seeds)
{
    dir = folder;
    const QString demo = QStringLiteral(LIEQ_SOURCE_DIR "/resources/demo-model");
    if (!QFile::exists(demo + QStringLiteral("/config.json")))
        return false;
    demoModel = demo;
    QFile validation(demo + QStringLiteral("/validation.txt"));
    if (!validation.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = validation.readAll();
    const qsizetype cut = text.indexOf('\n', text.size() / 2);
    if (!writeFile(dir + QStringLiteral("/eval.txt"), text.left(cut)) ||
        !writeFile(dir + QStringLiteral("/calib.txt"), text.mid(cut + 1)))
        return false;
    spec = dir + QStringLiteral("/grid.json");
    sweepDir = dir + QStringLiteral("/grid.sweep");
    store = dir + QStringLiteral("/user.sqlite");
    return writeSpec(plans, seeds);
}

bool SweepFixture::writeSpec(const QStringList &plans, const QList<int> &seeds)
{
    QJsonArray seedArray;
    for (int s : seeds)
        seedArray.append(s);
    const QJsonObject j{
        {QStringLiteral("name"), QStringLiteral("grid")},
        {QStringLiteral("models"), QJsonArray{demoModel, QStringLiteral("no-such-model")}},
        {QStringLiteral("calibration"),
         QJsonObject{{QStringLiteral("path"), QStringLiteral("calib.txt")},
                     {QStringLiteral("samples"), samples}, {QStringLiteral("seqlen"), seqlen}}},
        {QStringLiteral("evaluation"),
         QJsonObject{{QStringLiteral("ppl"), QStringLiteral("eval.txt")},
                     {QStringLiteral("max_windows"), 4}, {QStringLiteral("kl"), true}}},
        {QStringLiteral("plans"), QJsonArray::fromStringList(plans)},
        {QStringLiteral("budgets"), QJsonArray{QStringLiteral("2+2/L")}},
        {QStringLiteral("backends"), QJsonArray{QStringLiteral("rtn")}},
        {QStringLiteral("seeds"), seedArray},
        {QStringLiteral("threads"), 1}};
    return writeFile(spec, QJsonDocument(j).toJson());
}

CliResult SweepFixture::lieq(const QStringList &args, int timeoutMs) const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LIEQ_STORE"), store);
    env.insert(QStringLiteral("OMP_NUM_THREADS"), QStringLiteral("1"));
    return runCli(program(), args, env, timeoutMs);
}

QJsonObject SweepFixture::status(bool askScheduler) const
{
    QStringList args{QStringLiteral("sweep"), QStringLiteral("status"), sweepDir, QStringLiteral("--json")};
    if (!askScheduler)
        args << QStringLiteral("--no-scheduler");
    return parseJson(lieq(args, 60000).out);
}

QJsonObject SweepFixture::cellStatus(int index) const
{
    QFile f(sweepDir + QStringLiteral("/cells/%1/status.json").arg(index, 4, 10, QLatin1Char('0')));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return parseJson(f.readAll());
}

} // namespace lieq::test
