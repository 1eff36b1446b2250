// The quantization commands end to end through the real CLI binary on a generated tiny model:
// `lieq analyze` stores scores; `lieq allocate --scores-run` turns them into the LieQ plan, the
// ablation (--invert-scores) and the dPPL oracle; `lieq quantize --out --store` saves a folder;
// `lieq eval|ppl|generate` read that folder and the stored run by id (results attached to the
// run, "% of FP16 recovered" against the stored baseline), with clear errors for bad targets;
// RTN's module output errors only with --module-errors.
#include "core/store/experiment_store.h"
#include "core/util/atomic_file.h"
#include "tests/support/cli_runner.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <filesystem>

namespace {

using lieq::test::CliResult;

CliResult runLieq(const QStringList &args)
{
    return lieq::test::runCli(QStringLiteral(LIEQ_CLI_PATH), args);
}

nlohmann::json parsed(const CliResult &r)
{
    try {
        return nlohmann::json::parse(r.out.toStdString());
    } catch (const std::exception &) {
        return {};
    }
}

} // namespace

class TestCmdQuant : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_model, m_text, m_store, m_quant;
    std::int64_t m_analysisRun = 0;
    std::int64_t m_quantRun = 0;

    QString path(const char *name) const { return m_tmp.filePath(QString::fromLatin1(name)); }

private Q_SLOTS:
    void initTestCase()
    {
        lieq::test::TinyModelSpec spec;
        spec.layers = 4;
        m_model = QString::fromStdString(
            lieq::test::writeTinyCheckpoint(path("model").toStdString(), spec));
        std::string body;
        for (int i = 0; i < 60; ++i)
            body += "The little bird sang " + std::to_string(i) + " songs on the warm mat. ";
        m_text = path("text.txt");
        lieq::writeFileAtomic(m_text.toStdString(), body);
        m_store = path("store.sqlite");
        m_quant = path("quant");
    }

    // analyze -> allocate from the stored run: LieQ plan, ablation, oracle.
    void allocateFromStoredAnalysis()
    {
        const CliResult a = runLieq({QStringLiteral("analyze"), m_model, QStringLiteral("--data"), m_text,
                                     QStringLiteral("--samples"), QStringLiteral("4"), QStringLiteral("--seqlen"),
                                     QStringLiteral("32"), QStringLiteral("--store"), m_store,
                                     QStringLiteral("--json"), QStringLiteral("-"), QStringLiteral("--quiet")});
        QVERIFY2(a.exitCode == 0, a.err.constData());
        const nlohmann::json aj = parsed(a);
        m_analysisRun = aj["run_id"].get<std::int64_t>();
        QVERIFY(m_analysisRun > 0);
        std::vector<double> dr, dppl;
        for (const auto &l : aj["layers"]) {
            dr.push_back(l["dr"].get<double>());
            dppl.push_back(l["dppl"].get<double>());
        }
        QCOMPARE(dr.size(), std::size_t(4));
        auto argBest = [](const std::vector<double> &v, bool highest) {
            std::size_t best = 0;
            for (std::size_t i = 1; i < v.size(); ++i)
                if (highest ? v[i] > v[best] : v[i] < v[best])
                    best = i;
            return int(best);
        };
        auto plan = [&](const QStringList &extra) {
            const CliResult r = runLieq(QStringList{QStringLiteral("allocate"), QStringLiteral("--scores-run"),
                                                    QString::number(m_analysisRun), QStringLiteral("--store"),
                                                    m_store, QStringLiteral("--budget"), QStringLiteral("2.5"),
                                                    QStringLiteral("--json")} + extra);
            return std::make_pair(r, parsed(r));
        };
        auto fourBitLayer = [](const nlohmann::json &j) {
            int layer = -1, count = 0;
            for (const auto &u : j["plan"]["units"])
                if (u["bits"].get<int>() == 4) {
                    layer = u["layer"].get<int>();
                    ++count;
                }
            return count == 1 ? layer : -1;
        };
        // The model folder comes from the analysed run (no MODEL_DIR given), shapes are exact.
        const auto [top, topJ] = plan({});
        QVERIFY2(top.exitCode == 0, top.err.constData());
        QCOMPARE(fourBitLayer(topJ), argBest(dr, true));
        QCOMPARE(topJ["plan"]["layers"][0]["linears"].size(), std::size_t(7));
        const auto [low, lowJ] = plan({QStringLiteral("--invert-scores"), m_model});
        QVERIFY2(low.exitCode == 0, low.err.constData());
        QCOMPARE(fourBitLayer(lowJ), argBest(dr, false));
        QVERIFY(lowJ["plan"]["protectLowest"].get<bool>());
        const auto [oracle, oracleJ] = plan({QStringLiteral("--score-metric"), QStringLiteral("dppl")});
        QVERIFY2(oracle.exitCode == 0, oracle.err.constData());
        QCOMPARE(fourBitLayer(oracleJ), argBest(dppl, true));

        // Text output names the source; errors name what is wrong.
        const CliResult text = runLieq({QStringLiteral("allocate"), QStringLiteral("--scores-run"),
                                        QString::number(m_analysisRun), QStringLiteral("--store"), m_store,
                                        QStringLiteral("--score-metric"), QStringLiteral("energy"),
                                        QStringLiteral("--invert-scores")});
        QVERIFY2(text.exitCode == 0, text.err.constData());
        QVERIFY2(text.out.contains("(dE), lowest-scored layers protected"),
                 text.out.constData());
        const CliResult missing = runLieq({QStringLiteral("allocate"), QStringLiteral("--scores-run"),
                                           QStringLiteral("999"), QStringLiteral("--store"), m_store});
        QVERIFY(missing.exitCode != 0);
        QVERIFY2(missing.err.contains("no analysis run 999"), missing.err.constData());
        const CliResult badMetric = runLieq({QStringLiteral("allocate"), QStringLiteral("--scores-run"),
                                             QString::number(m_analysisRun), QStringLiteral("--store"),
                                             m_store, QStringLiteral("--score-metric"), QStringLiteral("size")});
        QVERIFY(badMetric.exitCode != 0);
        QVERIFY2(badMetric.err.contains("\"size\" is not one of dr"), badMetric.err.constData());
    }

    // Baseline rules at the same budget need only the model: first/last protect the end
    // layers, random is seeded, measured without a measure run names what is missing.
    void allocateByRule()
    {
        auto plan = [&](const QStringList &extra) {
            return runLieq(QStringList{QStringLiteral("allocate"), m_model, QStringLiteral("--budget"),
                                       QStringLiteral("2.5"), QStringLiteral("--store"), m_store,
                                       QStringLiteral("--json")} + extra);
        };
        auto fourBitLayers = [](const CliResult &r) {
            std::vector<int> layers;
            const nlohmann::json j = parsed(r); // kept alive: the loop reads into it
            for (const auto &u : j["plan"]["units"])
                if (u["bits"].get<int>() == 4)
                    layers.push_back(u["layer"].get<int>());
            return layers;
        };
        const CliResult first = plan({QStringLiteral("--method"), QStringLiteral("first")});
        QVERIFY2(first.exitCode == 0, first.err.constData());
        QCOMPARE(fourBitLayers(first), std::vector<int>{0});
        const CliResult last = plan({QStringLiteral("--method"), QStringLiteral("last")});
        QVERIFY2(last.exitCode == 0, last.err.constData());
        QCOMPARE(fourBitLayers(last), std::vector<int>{3});
        const CliResult llama = plan({QStringLiteral("--method"), QStringLiteral("llama-cpp")});
        QVERIFY2(llama.exitCode == 0, llama.err.constData());
        QCOMPARE(fourBitLayers(llama).size(), std::size_t(1));
        const CliResult r1 = plan({QStringLiteral("--method"), QStringLiteral("random"),
                                   QStringLiteral("--rule-seed"), QStringLiteral("5")});
        const CliResult r2 = plan({QStringLiteral("--method"), QStringLiteral("random"),
                                   QStringLiteral("--rule-seed"), QStringLiteral("5")});
        QVERIFY2(r1.exitCode == 0, r1.err.constData());
        QCOMPARE(fourBitLayers(r1), fourBitLayers(r2));
        QCOMPARE(fourBitLayers(r1).size(), std::size_t(1));
        const CliResult measured = plan({QStringLiteral("--method"), QStringLiteral("measured")});
        QVERIFY(measured.exitCode != 0);
        QVERIFY2(measured.err.contains("measure"), measured.err.constData());
        const CliResult noModel = runLieq({QStringLiteral("allocate"), QStringLiteral("--method"),
                                           QStringLiteral("first")});
        QVERIFY(noModel.exitCode != 0);
        QVERIFY2(noModel.err.contains("needs MODEL_DIR"), noModel.err.constData());
    }

    void quantizeSavesAndStores()
    {
        // The FP16 baseline first, so that the quantized evaluation can report recovery.
        const CliResult base = runLieq({QStringLiteral("eval"), m_model, QStringLiteral("--ppl"), m_text,
                                        QStringLiteral("--seqlen"), QStringLiteral("32"),
                                        QStringLiteral("--max-windows"), QStringLiteral("4"),
                                        QStringLiteral("--store"), m_store, QStringLiteral("--json"),
                                        QStringLiteral("--no-progress")});
        QVERIFY2(base.exitCode == 0, base.err.constData());
        const CliResult q = runLieq({QStringLiteral("quantize"), m_model, QStringLiteral("--bits"), QStringLiteral("4"),
                                     QStringLiteral("--method"), QStringLiteral("gptq"), QStringLiteral("--calib"),
                                     m_text, QStringLiteral("--samples"), QStringLiteral("4"), QStringLiteral("--seqlen"),
                                     QStringLiteral("32"), QStringLiteral("--group"), QStringLiteral("32"),
                                     QStringLiteral("--out"), m_quant, QStringLiteral("--eval-ppl"), m_text,
                                     QStringLiteral("--max-windows"), QStringLiteral("4"),
                                     QStringLiteral("--store"), m_store, QStringLiteral("--json"),
                                     QStringLiteral("--quiet")});
        QVERIFY2(q.exitCode == 0, q.err.constData());
        const nlohmann::json j = parsed(q);
        m_quantRun = j["run_id"].get<std::int64_t>();
        QVERIFY(m_quantRun > 0);
        QVERIFY(std::filesystem::exists(m_quant.toStdString() + "/quantization_config.json"));

        // The folder and the run id evaluate to the perplexity the quantize command measured.
        const double measured = j["ppl"]["ppl"].get<double>();
        for (const QString &target : {m_quant, QString::number(m_quantRun)}) {
            const CliResult e = runLieq({QStringLiteral("eval"), target, QStringLiteral("--ppl"), m_text,
                                         QStringLiteral("--seqlen"), QStringLiteral("32"),
                                         QStringLiteral("--max-windows"), QStringLiteral("4"),
                                         QStringLiteral("--store"), m_store, QStringLiteral("--baseline"),
                                         QStringLiteral("base"), QStringLiteral("--json"),
                                         QStringLiteral("--no-progress")});
            QVERIFY2(e.exitCode == 0, e.err.constData());
            const nlohmann::json ej = parsed(e);
            QVERIFY2(std::abs(ej["ppl"]["ppl"].get<double>() / measured - 1) < 1e-6, e.out.constData());
            QCOMPARE(ej["model"].get<std::string>(), m_quant.toStdString());
            const CliResult p = runLieq({QStringLiteral("ppl"), target, QStringLiteral("--data"), m_text,
                                         QStringLiteral("--seqlen"), QStringLiteral("32"),
                                         QStringLiteral("--max-windows"), QStringLiteral("4"),
                                         QStringLiteral("--store"), m_store, QStringLiteral("--json"),
                                         QStringLiteral("--no-progress")});
            QVERIFY2(p.exitCode == 0, p.err.constData());
            QVERIFY(std::abs(parsed(p)["ppl"].get<double>() / measured - 1) < 1e-6);
            const CliResult g = runLieq({QStringLiteral("generate"), target, QStringLiteral("--prompt"),
                                         QStringLiteral("The little"), QStringLiteral("--max-tokens"),
                                         QStringLiteral("5"), QStringLiteral("--no-eos"),
                                         QStringLiteral("--store"), m_store, QStringLiteral("--json")});
            QVERIFY2(g.exitCode == 0, g.err.constData());
            QCOMPARE(parsed(g)["ids"].size(), std::size_t(5));
        }
        // KL divergence from the FP16 model on the same windows: positive, the reference's
        // perplexity is the baseline's, and the model against itself gives 0.
        const QStringList klArgs{QStringLiteral("--data"), m_text, QStringLiteral("--seqlen"),
                                 QStringLiteral("32"), QStringLiteral("--max-windows"), QStringLiteral("4"),
                                 QStringLiteral("--kl-reference"), m_model, QStringLiteral("--json"),
                                 QStringLiteral("--no-progress")};
        const CliResult kl = runLieq(QStringList{QStringLiteral("ppl"), m_quant} + klArgs);
        QVERIFY2(kl.exitCode == 0, kl.err.constData());
        const nlohmann::json kj = parsed(kl)["kl"];
        QVERIFY(kj["mean_kl"].get<double>() > 0);
        QVERIFY(kj["top1_agreement"].get<double>() <= 1.0);
        QVERIFY(std::abs(kj["ppl_reference"].get<double>() /
                         parsed(base)["ppl"]["ppl"].get<double>() - 1) < 1e-5);
        const CliResult self = runLieq(QStringList{QStringLiteral("ppl"), m_model} + klArgs);
        QVERIFY2(self.exitCode == 0, self.err.constData());
        QVERIFY(parsed(self)["kl"]["mean_kl"].get<double>() < 1e-9);
        QCOMPARE(parsed(self)["kl"]["top1_agreement"].get<double>(), 1.0);

        // Stored results hang off the quant run (never the FP16 baseline of the model).
        lieq::store::ExperimentStore st(m_store.toStdString());
        lieq::store::EvalFilter f;
        f.quantRunId = m_quantRun;
        const auto rows = st.evalResults(f);
        QCOMPARE(rows.size(), std::size_t(3)); // quantize --eval-ppl, eval DIR, eval RUN
        f = {};
        f.baselineOnly = true;
        QCOMPARE(st.evalResults(f).size(), std::size_t(1)); // only the FP16 eval
    }

    // RTN measures module output errors only with --module-errors (it then runs the calibration
    // forwards): JSON gives null errors without it and numbers with it, the text table "-".
    void moduleErrorsOnRequest_data()
    {
        QTest::addColumn<bool>("flag");
        QTest::newRow("rtn") << false;
        QTest::newRow("rtn --module-errors") << true;
    }

    void moduleErrorsOnRequest()
    {
        QFETCH(bool, flag);
        QStringList args{QStringLiteral("quantize"), m_model, QStringLiteral("--bits"), QStringLiteral("4"),
                         QStringLiteral("--method"), QStringLiteral("rtn"), QStringLiteral("--calib"), m_text,
                         QStringLiteral("--samples"), QStringLiteral("2"), QStringLiteral("--seqlen"),
                         QStringLiteral("16"), QStringLiteral("--no-store"), QStringLiteral("--quiet")};
        if (flag)
            args << QStringLiteral("--module-errors");
        const CliResult j = runLieq(args + QStringList{QStringLiteral("--json")});
        QVERIFY2(j.exitCode == 0, j.err.constData());
        const nlohmann::json mods = parsed(j)["modules"];
        QCOMPARE(mods.size(), std::size_t(7 * 4));
        QCOMPARE(mods[0]["module"].get<std::string>(), std::string("q_proj"));
        QCOMPARE(mods[6]["module"].get<std::string>(), std::string("down_proj"));
        for (const auto &m : mods)
            QVERIFY2(m["relative_error"].is_number() == flag, m.dump().c_str());
        const CliResult text = runLieq(args);
        QVERIFY2(text.exitCode == 0, text.err.constData());
        const QString table = QString::fromUtf8(text.out);
        const QString row = table.split(QLatin1Char('\n')).filter(QStringLiteral(" q_proj ")).value(0);
        QVERIFY2(!row.isEmpty(), text.out.constData());
        // "    0 q_proj        4         -     0.001": the error column is the fourth field.
        const QStringList fields = row.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        QCOMPARE(fields.size(), 5);
        QCOMPARE(fields[3] == QLatin1String("-"), !flag);
    }

    void badTargets()
    {
        // An id without such a run, a run that saved nothing, a path that is neither.
        const CliResult none = runLieq({QStringLiteral("ppl"), QStringLiteral("4242"), QStringLiteral("--data"),
                                        m_text, QStringLiteral("--store"), m_store});
        QVERIFY(none.exitCode != 0);
        QVERIFY2(none.err.contains("no quantization run 4242"), none.err.constData());
        const CliResult unsaved = runLieq({QStringLiteral("quantize"), m_model, QStringLiteral("--bits"),
                                           QStringLiteral("8"), QStringLiteral("--method"), QStringLiteral("rtn"),
                                           QStringLiteral("--calib"), m_text, QStringLiteral("--samples"),
                                           QStringLiteral("2"), QStringLiteral("--seqlen"), QStringLiteral("16"),
                                           QStringLiteral("--store"), m_store, QStringLiteral("--json"),
                                           QStringLiteral("--quiet")});
        QVERIFY2(unsaved.exitCode == 0, unsaved.err.constData());
        const QString unsavedId = QString::number(parsed(unsaved)["run_id"].get<std::int64_t>());
        const CliResult noFolder = runLieq({QStringLiteral("eval"), unsavedId, QStringLiteral("--ppl"), m_text,
                                            QStringLiteral("--store"), m_store, QStringLiteral("--no-progress")});
        QVERIFY(noFolder.exitCode != 0);
        QVERIFY2(noFolder.err.contains("saved no checkpoint"), noFolder.err.constData());
        const CliResult neither = runLieq({QStringLiteral("generate"), path("nowhere"), QStringLiteral("--prompt"),
                                           QStringLiteral("x")});
        QVERIFY(neither.exitCode != 0);
        QVERIFY2(neither.err.contains("neither a model folder nor the id"),
                 neither.err.constData());
        // A copy of a quantized folder that no stored run wrote: evaluable, but not storable.
        const std::string copy = path("copy").toStdString();
        std::filesystem::copy(m_quant.toStdString(), copy, std::filesystem::copy_options::recursive);
        const CliResult plain = runLieq({QStringLiteral("ppl"), QString::fromStdString(copy), QStringLiteral("--data"),
                                         m_text, QStringLiteral("--seqlen"), QStringLiteral("32"),
                                         QStringLiteral("--max-windows"), QStringLiteral("2"),
                                         QStringLiteral("--no-progress")});
        QVERIFY2(plain.exitCode == 0, plain.err.constData());
        const CliResult stored = runLieq({QStringLiteral("eval"), QString::fromStdString(copy), QStringLiteral("--ppl"),
                                          m_text, QStringLiteral("--seqlen"), QStringLiteral("32"),
                                          QStringLiteral("--store"), m_store, QStringLiteral("--no-progress")});
        QVERIFY(stored.exitCode != 0);
        QVERIFY2(stored.err.contains("no quantization run in"), stored.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCmdQuant)
#include "tst_cmdquant.moc"
