#pragma once

#include "tests/support/cli_runner.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

// What the end-to-end sweep tests share: a small grid on the demo model (resources/demo-model)
// with calibration and evaluation text cut from its own validation text, a model path that does
// not exist (its cells must fail while the others complete), and the real lieq binary.
namespace lieq::test {

struct SweepFixture
{
    QString dir;        // where the texts, the spec and the sweep folder go
    QString demoModel;  // empty when the demo model is absent
    QString spec;       // dir/grid.json
    QString sweepDir;   // dir/grid.sweep
    QString store;      // dir/user.sqlite

    // Writes calib.txt and eval.txt (the two halves of validation.txt) and the spec: models
    // {demo, dir/no-such-model} x plans x backends {rtn}, 8 calibration windows of 128 tokens,
    // perplexity (and KL) on 4 windows.
    bool prepare(const QString &folder, const QStringList &plans, const QList<int> &seeds = {0});
    // Rewrites the spec with other seeds (the grid grows; existing cells keep their index).
    bool writeSpec(const QStringList &plans, const QList<int> &seeds);
    int samples = 8;
    int seqlen = 128;

    CliResult lieq(const QStringList &args, int timeoutMs = 240000) const;
    // `lieq sweep status DIR --json` parsed (empty object on failure).
    QJsonObject status(bool askScheduler = true) const;
    // cells/NNNN/status.json parsed (empty when absent).
    QJsonObject cellStatus(int index) const;
    QString program() const;
};

QJsonObject parseJson(const QByteArray &text);

} // namespace lieq::test
