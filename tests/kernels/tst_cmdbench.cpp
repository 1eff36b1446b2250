// `lieq bench` end to end through the real CLI: the kernel table (every row has a time, a
// bandwidth fraction and the f32 baseline), and the model bench on a tiny model in fp32, as a
// quantized checkpoint, and with a GGUF's linears; bad input is refused with a clear error.
#include "core/io/checkpoint.h"
#include "core/io/gguf_export.h"
#include "tests/kernels/rtn_model.h"
#include "tests/support/cli_runner.h"
#include "tests/support/tiny_checkpoint.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace lieq;

namespace {

QJsonObject runJson(const QStringList &args)
{
    const test::CliResult r = test::runCli(QStringLiteral(LIEQ_CLI_PATH), args);
    if (r.exitCode != 0)
        qWarning("lieq %s failed: %s", qPrintable(args.join(QLatin1Char(' '))), r.err.constData());
    return QJsonDocument::fromJson(r.out).object();
}

} // namespace

class TestCmdBench : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void kernelTable()
    {
        const QJsonObject j = runJson({QStringLiteral("bench"), QStringLiteral("kernels"), QStringLiteral("--quick"),
                                       QStringLiteral("--types"), QStringLiteral("gptq4,q4_K"),
                                       QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--json")});
        QVERIFY(j.value(QStringLiteral("read_bandwidth_gbps")).toDouble() > 0);
        QCOMPARE(j.value(QStringLiteral("threads")).toInt(), 1);
        const QJsonArray rows = j.value(QStringLiteral("rows")).toArray();
        QCOMPARE(rows.size(), 3); // gptq4, q4_K and the f32 baseline
        for (const auto &v : rows) {
            const QJsonObject row = v.toObject();
            QVERIFY(row.value(QStringLiteral("ms")).toDouble() > 0);
            QVERIFY(row.value(QStringLiteral("of_bandwidth")).toDouble() > 0);
            QVERIFY(row.value(QStringLiteral("speedup_over_f32")).toDouble() > 0);
        }
        QCOMPARE(rows[2].toObject().value(QStringLiteral("type")).toString(), QStringLiteral("f32"));
        QCOMPARE(rows[2].toObject().value(QStringLiteral("speedup_over_f32")).toDouble(), 1.0);
    }

    void refusesUnknownType()
    {
        const test::CliResult r = test::runCli(QStringLiteral(LIEQ_CLI_PATH),
                                               {QStringLiteral("bench"), QStringLiteral("kernels"),
                                                QStringLiteral("--types"), QStringLiteral("q5_K")});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("q5_K"), r.err.constData());
    }

    void modelBench()
    {
        QTemporaryDir tmp;
        test::TinyModelSpec spec;
        spec.arch = "qwen3";
        spec.hidden = 256;
        spec.intermediate = 512;
        spec.heads = 4;
        const std::string fp = test::writeTinyCheckpoint(tmp.filePath(QStringLiteral("fp")).toStdString(), spec);
        const std::string q = tmp.filePath(QStringLiteral("q")).toStdString();
        test::writeRtnCheckpoint(fp, q, {4, 2}, 128);
        const std::string gguf = fp + ".gguf";
        GgufExportOptions o;
        o.type = GgmlType::F16;
        exportGguf(Checkpoint(fp), gguf, o);
        for (const auto &[target, extra, kind] :
             {std::tuple{fp, QStringList{}, QStringLiteral("fp32")},
              std::tuple{q, QStringList{}, QStringLiteral("packed")},
              std::tuple{fp, QStringList{QStringLiteral("--gguf"), QString::fromStdString(gguf)}, QStringLiteral("GGUF")}}) {
            QStringList args{QStringLiteral("bench"), QString::fromStdString(target), QStringLiteral("--prompt"),
                             QStringLiteral("16"), QStringLiteral("--gen"), QStringLiteral("4"),
                             QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--json")};
            args += extra;
            const QJsonObject j = runJson(args);
            QVERIFY2(j.value(QStringLiteral("linears")).toString().startsWith(kind),
                     qPrintable(j.value(QStringLiteral("linears")).toString()));
            QVERIFY(j.value(QStringLiteral("prefill_tokens_per_second")).toDouble() > 0);
            QVERIFY(j.value(QStringLiteral("decode_tokens_per_second")).toDouble() > 0);
            QVERIFY(j.value(QStringLiteral("peak_rss_bytes")).toDouble() > 1e6);
        }
    }
};

QTEST_GUILESS_MAIN(TestCmdBench)
#include "tst_cmdbench.moc"
