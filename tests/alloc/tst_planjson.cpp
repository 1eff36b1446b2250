// Plans and score files on disk: round trips, and errors that name the file.
#include "core/alloc/allocator.h"
#include "core/alloc/plan_json.h"
#include "core/alloc/plan_report.h"
#include "core/alloc/scores_file.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

using namespace lieq;
using namespace lieq::alloc;

namespace {

BitPlan samplePlan()
{
    AllocationRequest r;
    for (int i = 0; i < 3; ++i)
        r.layers.push_back({i, 0.1 * i, 0,
                            {{"q_proj", 64, 64, 0.3}, {"k_proj", 32, 64}, {"v_proj", 32, 64},
                             {"o_proj", 64, 64}, {"gate_proj", 172, 64}, {"up_proj", 172, 64},
                             {"down_proj", 64, 172}}});
    r.perProjection = true;
    r.method = AllocMethod::Knapsack;
    r.bitSet = {2, 3, 4, 8};
    r.pins = {{0, 16}};
    r.budget = 7.0;
    return allocate(r);
}

std::string expectError(const std::function<void()> &fn)
{
    try {
        fn();
    } catch (const Error &e) {
        return e.what();
    }
    return {};
}

} // namespace

class TestPlanJson : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip()
    {
        const BitPlan p = samplePlan();
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("plan.json")).toStdString();
        savePlan(p, path);
        const BitPlan q = loadPlan(path);
        QCOMPARE(q.method, p.method);
        QCOMPARE(q.budget, p.budget);
        QCOMPARE(q.bitSet, p.bitSet);
        QCOMPARE(q.pins, p.pins);
        QCOMPARE(q.perProjection, true);
        QCOMPARE(q.units.size(), p.units.size());
        for (std::size_t i = 0; i < p.units.size(); ++i) {
            QCOMPARE(q.units[i].bits, p.units[i].bits);
            QCOMPARE(q.units[i].projections, p.units[i].projections);
            QCOMPARE(q.units[i].params, p.units[i].params);
            QCOMPARE(q.units[i].pinned, p.units[i].pinned);
        }
        QCOMPARE(q.layers[0].linears[0].score, 0.3);
        QVERIFY(std::isnan(q.layers[0].linears[1].score));
        QCOMPARE(q.bitsFor(0, "up_proj"), 16);
        QCOMPARE(q.nominalBits(), p.nominalBits());
        QCOMPARE(planToJson(q), planToJson(p)); // stable serialisation
    }

    void malformedPlansNameTheFile_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("needle");
        QTest::newRow("not json") << "{\"schema\": " << "malformed JSON";
        QTest::newRow("other schema") << "{\"schema\": \"x\"}" << "not a LieQ bit plan";
        QTest::newRow("newer version")
            << "{\"schema\": \"lieq.bitplan\", \"schemaVersion\": 99}" << "schema version 99";
        QTest::newRow("missing field")
            << "{\"schema\": \"lieq.bitplan\", \"schemaVersion\": 1}" << "lacks \"method\"";
    }
    void malformedPlansNameTheFile()
    {
        QFETCH(QString, text);
        QFETCH(QString, needle);
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("bad.json")).toStdString();
        writeFileAtomic(path, text.toStdString());
        const std::string msg = expectError([&] { loadPlan(path); });
        QVERIFY2(msg.find(path) != std::string::npos, msg.c_str());
        QVERIFY2(msg.find(needle.toStdString()) != std::string::npos, msg.c_str());
    }

    void corruptedFields()
    {
        nlohmann::json j = nlohmann::json::parse(planToJson(samplePlan()));
        j["units"][2]["bits"] = 5;
        std::string msg = expectError([&] { planFromJson(j.dump(), "p.json"); });
        QVERIFY2(msg.find("p.json") == 0 && msg.find("units[2].bits") != std::string::npos,
                 msg.c_str());
        j = nlohmann::json::parse(planToJson(samplePlan()));
        j["layers"][1]["params"] = "many";
        msg = expectError([&] { planFromJson(j.dump(), "p.json"); });
        QVERIFY2(msg.find("layers[1].params") != std::string::npos, msg.c_str());
    }

    void scoresFiles()
    {
        QTemporaryDir dir;
        const std::string csv = dir.filePath(QStringLiteral("s.csv")).toStdString();
        writeFileAtomic(csv, "# from lieq analyze\nparams,layer,score\n100,0,0.5\n100,1,0.9\n"
                             "100, 2 ,-0.1\n");
        const ScoresInput c = loadScores(csv);
        QCOMPARE(c.layers.size(), std::size_t(3));
        QCOMPARE(c.layers[2].index, 2);
        QCOMPARE(c.layers[2].score, -0.1);
        QCOMPARE(c.layers[1].params, std::int64_t(100));

        const std::string js = dir.filePath(QStringLiteral("s.json")).toStdString();
        writeFileAtomic(js, R"({"otherParams": 5000, "layers": [
            {"layer": 0, "score": 0.2, "params": 10},
            {"index": 1, "score": 0.4, "linears": [{"name": "q_proj", "rows": 4, "cols": 8}]}]})");
        const ScoresInput s = loadScores(js);
        QCOMPARE(s.otherParams, std::int64_t(5000));
        QCOMPARE(s.layers[1].linears[0].params(), std::int64_t(32));

        const std::string bad = dir.filePath(QStringLiteral("bad.csv")).toStdString();
        writeFileAtomic(bad, "layer,score\n0,1\n");
        std::string msg = expectError([&] { loadScores(bad); });
        QVERIFY2(msg.find(bad) != std::string::npos && msg.find("params") != std::string::npos,
                 msg.c_str());
        writeFileAtomic(bad, "layer,score,params\n0,high,10\n");
        msg = expectError([&] { loadScores(bad); });
        QVERIFY2(msg.find("line 2") != std::string::npos, msg.c_str());
        const std::string badJson = dir.filePath(QStringLiteral("bad.json")).toStdString();
        writeFileAtomic(badJson, R"({"layers": [{"layer": 0}]})");
        msg = expectError([&] { loadScores(badJson); });
        QVERIFY2(msg.find(badJson) != std::string::npos && msg.find("score") != std::string::npos,
                 msg.c_str());
        msg = expectError([&] { loadScores(dir.filePath(QStringLiteral("absent.csv")).toStdString()); });
        QVERIFY(msg.find("absent.csv") != std::string::npos);
    }

    void cliPipeline()
    {
        // What `lieq allocate --scores F --budget B --pin 0=16 --json` does, step by step.
        QTemporaryDir dir;
        const std::string csv = dir.filePath(QStringLiteral("s.csv")).toStdString();
        std::string text = "layer,score,params\n";
        for (int i = 0; i < 28; ++i)
            text += std::to_string(i) + "," + std::to_string((i * 37) % 28) + ",1000\n";
        writeFileAtomic(csv, text);
        const ScoresInput in = loadScores(csv);
        AllocationRequest r;
        r.layers = in.layers;
        r.budget = 2.07;
        r.bitSet = parseBitSet("2,4");
        const BitPlan p = allocate(r);
        int four = 0;
        for (int b : p.layerBits())
            four += b == 4;
        QCOMPARE(four, 1);
        // layer with score 27: i*37 = 27 mod 28 -> i*9 = 27 mod 28 -> i = 3
        QCOMPARE(p.bitsFor(3), 4);
        const std::vector<SizeEstimate> sizes{estimateGguf(p, in.otherParams),
                                              estimateGptq(p, GptqOptions{}, in.otherParams)};
        const nlohmann::json report = nlohmann::json::parse(planReportJson(p, sizes));
        QCOMPARE(report["plan"]["units"].size(), std::size_t(28));
        QCOMPARE(report["sizes"][0]["format"].get<std::string>(), std::string("gguf"));
        QVERIFY(report["sizes"][0]["approximate"].get<bool>());
        const std::string table = formatPlanTable(p, sizes);
        QVERIFY(table.find("nominal 2.0714") != std::string::npos);
        QCOMPARE(formatBytes(1536), std::string("1.50 KiB"));
    }
};

QTEST_GUILESS_MAIN(TestPlanJson)
#include "tst_planjson.moc"
