// The CLI end to end (the real `lieq` binary): export a stored run as GGUF (+ its check) and
// GPTQ, write a report, bundle runs and import the bundle into another store; exports are
// listed per run; bad input gives a clear error and exit code.
#include "core/store/experiment_store.h"
#include "tests/exchange/experiment_fixture.h"
#include "tests/export/export_fixture.h"
#include "tests/support/cli_runner.h"
#include "tests/support/tiny_checkpoint.h"

#include <nlohmann/json.hpp>

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace lieq;

namespace {

test::CliResult lieqCli(const QStringList &args)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LIEQ_THREADS"), QStringLiteral("1"));
    return test::runCli(QStringLiteral(LIEQ_CLI_PATH), args, env, 300000);
}

} // namespace

class TestCmdExport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void endToEnd()
    {
        QTemporaryDir tmp;
        test::TinyModelSpec spec;
        spec.hidden = 256;
        spec.intermediate = 512;
        spec.layers = 2;
        spec.dtype = DType::F16;
        const std::string model = test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("model")).toStdString(), spec);
        test::RunSpec rs;
        rs.layerBits = {4, 2};
        const std::string run = test::quantizeRun(model, rs, tmp.filePath(QStringLiteral("run")).toStdString());
        const QString store = tmp.filePath(QStringLiteral("s.sqlite"));
        ExperimentFixture f;
        {
            store::ExperimentStore s(store.toStdString());
            f.write(s, run);
        }
        const QString q = QStringLiteral("q%1").arg(f.gptqId), a = QStringLiteral("a%1").arg(f.analysisId);

        auto r = lieqCli({QStringLiteral("export"), q, QStringLiteral("--gguf"), tmp.filePath(QStringLiteral("q.gguf")),
                          QStringLiteral("--store"), store, QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        auto j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("gguf").at("requantized_linears").get<int>() + j.at("gguf").at("exact_linears").get<int>(), 14);

        // A run's folder with --verify: our runtime on the GGUF's weights beside the run's own.
        const QString text = tmp.filePath(QStringLiteral("text.txt"));
        {
            QFile t(text);
            QVERIFY(t.open(QIODevice::WriteOnly));
            for (int i = 0; i < 200; ++i)
                t.write("the quick brown fox jumps over the lazy dog and keeps running. ");
        }
        r = lieqCli({QStringLiteral("export"), QString::fromStdString(run), QStringLiteral("--gguf"),
                     tmp.filePath(QStringLiteral("v.gguf")), QStringLiteral("--verify"), text, QStringLiteral("--reference"),
                     QString::fromStdString(model), QStringLiteral("--seqlen"), QStringLiteral("64"),
                     QStringLiteral("--max-windows"), QStringLiteral("2"), QStringLiteral("--no-store")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("KL(FP16||GGUF)") && r.out.contains("KL(FP16||run)"), r.out.constData());

        r = lieqCli({QStringLiteral("export"), q, QStringLiteral("--gptq"), tmp.filePath(QStringLiteral("gptq")),
                     QStringLiteral("--store"), store});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("warning:") && r.out.contains("vLLM"), r.out.constData()); // a 2-bit layer
        QVERIFY(QFileInfo::exists(tmp.filePath(QStringLiteral("gptq/quantize_config.json"))));

        r = lieqCli({QStringLiteral("report"), q, QStringLiteral("--pdf"), tmp.filePath(QStringLiteral("r.pdf")),
                     QStringLiteral("--html"), tmp.filePath(QStringLiteral("r.html")), QStringLiteral("--store"), store,
                     QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        j = nlohmann::json::parse(r.out.toStdString());
        QVERIFY(j.at("pdf_pages").get<int>() >= 3);

        r = lieqCli({QStringLiteral("export"), a, q, QStringLiteral("--bundle"), tmp.filePath(QStringLiteral("b.zip")),
                     QStringLiteral("--with-checkpoint"), QStringLiteral("--store"), store});
        QVERIFY2(r.exitCode == 0, r.err.constData());

        const QString other = tmp.filePath(QStringLiteral("other.sqlite"));
        r = lieqCli({QStringLiteral("import"), tmp.filePath(QStringLiteral("b.zip")), QStringLiteral("--store"), other,
                     QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("runs").size(), std::size_t(2));
        QCOMPARE(j.at("checkpoints").size(), std::size_t(1));
        r = lieqCli({QStringLiteral("import"), tmp.filePath(QStringLiteral("b.zip")), QStringLiteral("--store"), other,
                     QStringLiteral("--json")});
        QCOMPARE(nlohmann::json::parse(r.out.toStdString()).at("added_rows").get<int>(), 0);

        // Every file went into the exports table of the first store.
        store::ExperimentStore s(store.toStdString());
        store::ExportFilter ef;
        ef.quantRunId = f.gptqId;
        std::set<std::string> kinds;
        for (const auto &e : s.exports(ef))
            kinds.insert(e.kind);
        QCOMPARE(kinds, (std::set<std::string>{"gguf", "gptq", "report-pdf", "report-html", "bundle"}));
    }

    void clearErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no format") << QStringList{QStringLiteral("export"), QStringLiteral("q1")} << "choose --gguf";
        QTest::newRow("unknown run") << QStringList{QStringLiteral("export"), QStringLiteral("q999"), QStringLiteral("--gguf"),
                                                    QStringLiteral("/tmp/x.gguf")}
                                     << "q999";
        QTest::newRow("report without runs") << QStringList{QStringLiteral("report"), QStringLiteral("--pdf"), QStringLiteral("x.pdf")}
                                             << "at least one run";
        QTest::newRow("not a bundle") << QStringList{QStringLiteral("import"), QStringLiteral(LIEQ_SOURCE_DIR "/README.md")}
                                      << "not a zip";
        QTest::newRow("bad gguf type") << QStringList{QStringLiteral("export"), QStringLiteral("q1"), QStringLiteral("--gguf"),
                                                      QStringLiteral("x.gguf"), QStringLiteral("--embed-type"), QStringLiteral("q5_z")}
                                       << "unknown GGUF type";
    }
    void clearErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QTemporaryDir tmp;
        const QString store = tmp.filePath(QStringLiteral("s.sqlite"));
        {
            store::ExperimentStore s(store.toStdString());
            ExperimentFixture f;
            f.write(s);
        }
        const auto r = lieqCli(args + QStringList{QStringLiteral("--store"), store});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCmdExport)
#include "tst_cmd_export.moc"
