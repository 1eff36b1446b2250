// `lieq demo` end to end through the real CLI on the committed demo model (small windows): it
// ends with the comparison of every predictor's, baseline rule's, measured-gain and uniform plan
// at 2 + 2/L bits, printed and in metrics.json, with a verdict; on this model the measured-gain
// plan does less damage than uniform 2-bit (what the demo is there to show); --no-compare skips it.
#include "core/util/atomic_file.h"
#include "tests/support/cli_runner.h"

#include <QtTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <string>

namespace {

using lieq::test::CliResult;

QString demoModel() { return QStringLiteral(LIEQ_SOURCE_DIR "/resources/demo-model"); }

CliResult runDemo(const QString &out, const QStringList &extra)
{
    QStringList args{QStringLiteral("demo"), demoModel(), QStringLiteral("--quick"),
                     QStringLiteral("--seqlen"), QStringLiteral("64"), QStringLiteral("--out"), out,
                     QStringLiteral("--store"), out + QStringLiteral(".sqlite"),
                     QStringLiteral("--no-progress")};
    return lieq::test::runCli(QStringLiteral(LIEQ_CLI_PATH), args + extra);
}

} // namespace

class TestCmdDemo : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        if (!QFileInfo::exists(demoModel() + QStringLiteral("/config.json")))
            QSKIP("resources/demo-model is absent: test skipped");
    }
    void endsWithPlanComparison();
    void noCompareSkipsIt();
};

void TestCmdDemo::endsWithPlanComparison()
{
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("demo"));
    const CliResult r = runDemo(out, {});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const auto config = nlohmann::json::parse(
        lieq::readFile(QString(demoModel() + QStringLiteral("/config.json")).toStdString()));
    const int layers = config.at("num_hidden_layers").get<int>();
    const double budget = 2.0 + 2.0 / layers;
    char head[64];
    std::snprintf(head, sizeof head, "Plans at %.4f bits (GPTQ)", budget);
    const std::string text = r.out.toStdString();
    QVERIFY2(text.find(head) != std::string::npos, text.c_str());
    QVERIFY2(text.find("This model rewards") != std::string::npos, text.c_str());

    const auto j = nlohmann::json::parse(
        lieq::readFile(QString(out + QStringLiteral("/metrics.json")).toStdString()));
    const auto &c = j.at("comparison");
    QVERIFY(c.is_object());
    QCOMPARE(c.at("budget_bits").get<double>(), budget);
    std::map<std::string, nlohmann::json> plans;
    for (const auto &p : c.at("plans"))
        plans[p.at("name").get<std::string>()] = p;
    for (const char *name : {"dppl", "dr", "dE", "sensitivity", "llama-cpp", "first", "last",
                             "random-1", "measured", "uniform-2"}) {
        QVERIFY2(plans.count(name), name);
        const auto &p = plans[name];
        // Every plan row is printed, with its KL from the FP16 model.
        std::string row = "\n";
        row += name;
        row += ' ';
        QVERIFY2(text.find(row) != std::string::npos, name);
        const double kl = p.at("kl").at("kl_mean").at("value").get<double>();
        QVERIFY2(std::isfinite(kl) && kl > 0, name);
        const double bits = p.at("bits").get<double>();
        if (std::string(name) == "uniform-2")
            QCOMPARE(bits, 2.0);
        else
            QVERIFY2(bits > 2.0 && bits <= budget + 1e-9, name);
    }
    auto klOf = [&](const std::string &n) { return plans[n].at("kl").at("kl_mean").at("value").get<double>(); };
    // The demo model is deep enough to show the method: spending the budget where the measured
    // gains say beats spending none of it, by a clear margin.
    QVERIFY2(klOf("measured") < 0.9 * klOf("uniform-2"),
             qPrintable(QStringLiteral("measured %1, uniform %2").arg(klOf("measured")).arg(klOf("uniform-2"))));
    // The verdict names the predictor(s) with the least measured damage.
    const auto rewarded = c.at("rewarded");
    QVERIFY(!rewarded.empty());
    for (const auto &n : rewarded)
        for (const char *other : {"dppl", "dr", "dE", "sensitivity"})
            QVERIFY(klOf(n.get<std::string>()) <= klOf(other) * (1 + 1e-9));
    QVERIFY(c.at("measure_forward_multiple").get<double>() > 0);
}

void TestCmdDemo::noCompareSkipsIt()
{
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("demo"));
    const CliResult r = runDemo(out, {QStringLiteral("--no-compare")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(!r.out.contains("This model rewards"), r.out.constData());
    QVERIFY2(r.out.contains("uniform GPTQ"), r.out.constData());
    const auto j = nlohmann::json::parse(
        lieq::readFile(QString(out + QStringLiteral("/metrics.json")).toStdString()));
    QVERIFY(j.at("comparison").is_null());
}

QTEST_GUILESS_MAIN(TestCmdDemo)
#include "tst_cmddemo.moc"
