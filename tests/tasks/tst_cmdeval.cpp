// `lieq eval` end to end through the real CLI binary: a generated tiny checkpoint and fixture
// files for five tasks in the ../shared/data layout; JSON output, --limit, the store rows,
// baselines from a JSON file and from the store, perplexity, and a malformed data file.
#include "core/store/experiment_store.h"
#include "core/util/atomic_file.h"
#include "tests/support/cli_runner.h"
#include "tests/support/tiny_checkpoint.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

namespace {

using lieq::test::CliResult;

CliResult runLieq(const QStringList &args)
{
    return lieq::test::runCli(QStringLiteral(LIEQ_CLI_PATH), args);
}

} // namespace

class TestCmdEval : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_model, m_data, m_store;

    void put(const QString &rel, const std::string &content)
    {
        const QString path = m_data + QLatin1Char('/') + rel;
        QDir().mkpath(QFileInfo(path).absolutePath());
        lieq::writeFileAtomic(path.toStdString(), content);
    }

private Q_SLOTS:
    void initTestCase()
    {
        lieq::test::TinyModelSpec spec;
        spec.layers = 2;
        m_model = QString::fromStdString(lieq::test::writeTinyCheckpoint(
            m_tmp.filePath(QStringLiteral("model")).toStdString(), spec));
        m_data = m_tmp.filePath(QStringLiteral("data"));
        m_store = m_tmp.filePath(QStringLiteral("store.sqlite"));
        std::string piqa, piqaLabels, wg, boolq;
        for (int i = 0; i < 5; ++i) {
            const std::string n = std::to_string(i);
            piqa += "{\"goal\": \"make tea " + n + "\", \"sol1\": \"boil water\", \"sol2\": \"freeze it\"}\n";
            piqaLabels += std::to_string(i % 2) + "\n";
            wg += "{\"sentence\": \"The cat saw the dog so _ ran " + n + ".\", \"option1\": \"cat\", "
                  "\"option2\": \"dog\", \"answer\": \"" + std::to_string(1 + i % 2) + "\"}\n";
            boolq += "{\"question\": \"is it " + n + "\", \"passage\": \"It is the sun.\", \"answer\": " +
                     (i % 2 ? "true" : "false") + "}\n";
        }
        put(QStringLiteral("piqa/valid.jsonl"), piqa);
        put(QStringLiteral("piqa/valid-labels.lst"), piqaLabels);
        put(QStringLiteral("winogrande/dev.jsonl"), wg);
        put(QStringLiteral("boolq/dev.jsonl"), boolq);
        put(QStringLiteral("arc/ARC-All-answers_columns.csv"),
            "questionID,category,sets,question,A,B,C,D,AnswerKey\n"
            "E1,Test,easy,\"Where is the sun, mostly?\", sky , sea , sand , snow ,A\n"
            "E2,Test,easy,What is hot?, fire , ice , snow ,,A\n"
            "C1,Test,chal,What sings?, a bird , a rock , a cup , a pen ,A\n"
            "T1,Train,easy,Skip?, a , b , c , d ,A\n");
    }

    void evalAllTasksJsonAndStore()
    {
        // No HellaSwag file in this layout (its bz2 format is covered by tst_taskloaders):
        // the error names the missing file before any model work.
        const CliResult missing = runLieq({QStringLiteral("eval"), m_model, QStringLiteral("--data-dir"),
                                           m_data, QStringLiteral("--tasks"), QStringLiteral("hellaswag"),
                                           QStringLiteral("--no-progress")});
        QVERIFY(missing.exitCode != 0);
        QVERIFY2(missing.err.contains("hellaswag_val_full.txt.bz2"), missing.err.constData());

        const QStringList common = {QStringLiteral("eval"), m_model, QStringLiteral("--data-dir"), m_data,
                                    QStringLiteral("--tasks"),
                                    QStringLiteral("piqa,arc_e,arc_c,winogrande,boolq"),
                                    QStringLiteral("--no-progress")};
        const CliResult r = runLieq(common + QStringList{QStringLiteral("--json"), QStringLiteral("--store"), m_store,
                                                         QStringLiteral("--out"), m_tmp.filePath(QStringLiteral("base.json"))});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j["tasks"].size(), std::size_t(5));
        QCOMPARE(j["tasks"]["piqa"]["n"].get<int>(), 5);
        QCOMPARE(j["tasks"]["arc_easy"]["n"].get<int>(), 2);
        QCOMPARE(j["tasks"]["arc_challenge"]["n"].get<int>(), 1);
        for (const auto &[task, v] : j["tasks"].items()) {
            const double acc = v["acc"].get<double>();
            QVERIFY2(acc >= 0 && acc <= 1, task.c_str());
            QVERIFY(v["seconds"].get<double>() >= 0);
            // lm-eval defines no acc_norm for WinoGrande and BoolQ.
            QCOMPARE(v.contains("acc_norm"), task != "winogrande" && task != "boolq");
        }
        QVERIFY(j["average"]["acc"].get<double>() >= 0);

        lieq::store::ExperimentStore st(m_store.toStdString());
        const auto rows = st.evalResults();
        QCOMPARE(rows.size(), std::size_t(8)); // 5 x acc, 3 x acc_norm (piqa, arc_easy, arc_challenge)
        for (const auto &row : rows) {
            QVERIFY(row.metric != "acc_norm" || (row.task != "winogrande" && row.task != "boolq"));
            QVERIFY(!row.quantRunId);
            QVERIFY(row.datasetId.has_value());
        }

        // The same model against itself recovers 100% of every non-zero accuracy.
        const CliResult again = runLieq(common + QStringList{QStringLiteral("--json"), QStringLiteral("--baseline"),
                                                             m_tmp.filePath(QStringLiteral("base.json"))});
        QVERIFY2(again.exitCode == 0, again.err.constData());
        const nlohmann::json k = nlohmann::json::parse(again.out.toStdString());
        for (const auto &[task, v] : k["recovered_percent"].items())
            if (task != "average" && j["tasks"][task]["acc"].get<double>() > 0)
                QCOMPARE(v["acc"].get<double>(), 100.0);

        // Baseline from the store's rows, text output with a limit.
        const CliResult fromStore = runLieq(common + QStringList{QStringLiteral("--store"), m_store,
                                                                 QStringLiteral("--baseline"), QStringLiteral("base"),
                                                                 QStringLiteral("--limit"), QStringLiteral("2")});
        QVERIFY2(fromStore.exitCode == 0, fromStore.err.constData());
        QVERIFY2(fromStore.out.contains("recovered"), fromStore.out.constData());
        QVERIFY(fromStore.out.contains("average"));
    }

    void pplOnly()
    {
        const QString text = m_tmp.filePath(QStringLiteral("text.txt"));
        std::string body;
        for (int i = 0; i < 40; ++i)
            body += "The little bird sang on the warm mat and the cat sat. ";
        lieq::writeFileAtomic(text.toStdString(), body);
        const CliResult r = runLieq({QStringLiteral("eval"), m_model, QStringLiteral("--ppl"), text,
                                     QStringLiteral("--seqlen"), QStringLiteral("32"), QStringLiteral("--max-windows"),
                                     QStringLiteral("3"), QStringLiteral("--json"), QStringLiteral("--no-progress")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j["ppl"]["windows"].get<int>(), 3);
        QVERIFY(j["ppl"]["ppl"].get<double>() > 1);
        QVERIFY(j["tasks"].empty());
    }

    void malformedData()
    {
        QTemporaryDir bad;
        const std::string dir = bad.path().toStdString();
        QDir().mkpath(bad.filePath(QStringLiteral("boolq")));
        lieq::writeFileAtomic(dir + "/boolq/dev.jsonl",
                              "{\"question\": \"q\", \"passage\": \"p\", \"answer\": true}\n{broken\n");
        const CliResult r = runLieq({QStringLiteral("eval"), m_model, QStringLiteral("--data-dir"), bad.path(),
                                     QStringLiteral("--tasks"), QStringLiteral("boolq"), QStringLiteral("--no-progress")});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("boolq/dev.jsonl"), r.err.constData());
        QVERIFY2(r.err.contains("line 2"), r.err.constData());
        const CliResult unknown = runLieq({QStringLiteral("eval"), m_model, QStringLiteral("--tasks"),
                                           QStringLiteral("mmlu"), QStringLiteral("--no-progress")});
        QVERIFY(unknown.exitCode != 0);
        QVERIFY2(unknown.err.contains("mmlu"), unknown.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCmdEval)
#include "tst_cmdeval.moc"
