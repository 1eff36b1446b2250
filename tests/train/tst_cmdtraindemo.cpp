// `lieq train-demo` end to end through the real CLI on a small generated Brown-format corpus and
// a tiny shape: the folder is complete, the card's perplexity is what `lieq ppl` measures on
// validation.txt, the split holds documents out, and a bad corpus path is a clear error.
#include "core/util/atomic_file.h"
#include "tests/support/cli_runner.h"
#include "tests/support/testutil.h"

#include <QtTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

namespace {

using lieq::test::CliResult;

CliResult runLieq(const QStringList &args)
{
    return lieq::test::runCli(QStringLiteral(LIEQ_CLI_PATH), args);
}

// Tagged sentences in Brown form C from a small grammar, one file per "document".
void writeCorpus(const QString &dir, int files)
{
    const char *subjects[] = {"The/at jury/nn", "A/at man/nn", "The/at city/nn",
                              "Her/pp$ mother/nn", "The/at committee/nn"};
    const char *verbs[] = {"said/vbd", "found/vbd", "asked/vbd", "knew/vbd", "wrote/vbd"};
    const char *objects[] = {"the/at report/nn", "a/at letter/nn", "the/at answer/nn",
                             "no/at evidence/nn", "the/at old/jj house/nn"};
    std::mt19937 rng(3);
    for (int f = 0; f < files; ++f) {
        std::string text;
        for (int p = 0; p < 12; ++p) {
            text += "\n\n\t";
            for (int s = 0; s < 4; ++s)
                text += std::string(subjects[rng() % 5]) + " " + verbs[rng() % 5] + " " +
                        objects[rng() % 5] + (rng() % 2 ? " ,/, ``/`` yes/rb ''/''" : "") +
                        " ./.\n";
        }
        char name[8];
        std::snprintf(name, sizeof name, "c%c%02d", 'a' + f % 3, f + 1);
        std::ofstream(QString(dir + QLatin1Char('/') + QLatin1String(name)).toStdString()) << text;
    }
}

} // namespace

class TestCmdTrainDemo : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void trainsSmallModel();
    void refusesMissingCorpus();
};

void TestCmdTrainDemo::trainsSmallModel()
{
    QTemporaryDir tmp;
    const QString corpus = tmp.filePath(QStringLiteral("corpus"));
    QDir().mkpath(corpus);
    writeCorpus(corpus, 9);
    const QString out = tmp.filePath(QStringLiteral("model"));
    const CliResult r = runLieq(
        {QStringLiteral("train-demo"), QStringLiteral("--corpus"), corpus, QStringLiteral("--out"),
         out, QStringLiteral("--steps"), QStringLiteral("30"), QStringLiteral("--batch"),
         QStringLiteral("4"), QStringLiteral("--seqlen"), QStringLiteral("32"),
         QStringLiteral("--layers"), QStringLiteral("2"), QStringLiteral("--hidden"),
         QStringLiteral("32"), QStringLiteral("--intermediate"), QStringLiteral("64"),
         QStringLiteral("--heads"), QStringLiteral("2"), QStringLiteral("--kv-heads"),
         QStringLiteral("1"), QStringLiteral("--head-dim"), QStringLiteral("16"),
         QStringLiteral("--vocab"), QStringLiteral("320"), QStringLiteral("--lr"),
         QStringLiteral("5e-3"), QStringLiteral("--warmup"), QStringLiteral("3"),
         QStringLiteral("--eval-every"), QStringLiteral("10"), QStringLiteral("--val-every"),
         QStringLiteral("3"), QStringLiteral("--threads"), QStringLiteral("1"),
         QStringLiteral("--no-progress"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j.at("corpus").at("validation_documents").get<int>(), 3); // documents 1, 4, 7
    QCOMPARE(j.at("corpus").at("train_documents").get<int>(), 6);
    QCOMPARE(j.at("model").at("layers").get<int>(), 2);
    const double ppl = j.at("validation").at("ppl").get<double>();
    const double first = std::exp(5.77); // ln(320): an untrained model's perplexity
    QVERIFY2(ppl > 1 && ppl < first / 4, qPrintable(QString::number(ppl)));
    QVERIFY(j.at("training").at("final_train_loss").get<double>() < 4.0);

    const std::string dir = out.toStdString();
    for (const char *f : {"config.json", "model.safetensors", "tokenizer.json",
                          "tokenizer_config.json", "validation.txt", "README.md", "training.json"})
        QVERIFY2(std::filesystem::is_regular_file(dir + "/" + f), f);
    const std::string card = lieq::readFile(dir + "/README.md");
    QVERIFY(card.find("lieq train-demo --corpus") != std::string::npos);
    char shown[32];
    std::snprintf(shown, sizeof shown, "%.4f", ppl);
    QVERIFY2(card.find(shown) != std::string::npos, card.c_str());
    const std::string validation = lieq::readFile(dir + "/validation.txt");
    QVERIFY(validation.find("/at") == std::string::npos); // tags stripped
    QVERIFY(validation.find("The ") != std::string::npos || validation.find("A ") != std::string::npos);

    // `lieq ppl` on the held-out text measures the card's number.
    const CliResult p = runLieq({QStringLiteral("ppl"), out, QStringLiteral("--data"),
                                 out + QStringLiteral("/validation.txt"), QStringLiteral("--seqlen"),
                                 QStringLiteral("32"), QStringLiteral("--json"),
                                 QStringLiteral("--no-progress")});
    QVERIFY2(p.exitCode == 0, p.err.constData());
    const double measured = nlohmann::json::parse(p.out.toStdString()).at("ppl").get<double>();
    QVERIFY2(std::abs(measured - ppl) < 1e-6 * ppl,
             qPrintable(QStringLiteral("lieq ppl %1 vs card %2").arg(measured).arg(ppl)));
}

void TestCmdTrainDemo::refusesMissingCorpus()
{
    QTemporaryDir tmp;
    const QString missing = tmp.filePath(QStringLiteral("nowhere"));
    const CliResult r = runLieq({QStringLiteral("train-demo"), QStringLiteral("--corpus"), missing,
                                 QStringLiteral("--out"), tmp.filePath(QStringLiteral("m"))});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(missing.toUtf8()), r.err.constData());
    QVERIFY(!QFileInfo::exists(tmp.filePath(QStringLiteral("m/config.json"))));
}

QTEST_GUILESS_MAIN(TestCmdTrainDemo)
#include "tst_cmdtraindemo.moc"
