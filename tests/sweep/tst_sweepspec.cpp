// Sweep specs: plan choices and budgets as text, spec parsing with its errors, the grid's
// expansion (dedup of uniform plans, skipped combinations, stable keys) and the cost estimate.
#include "core/sweep/cost_estimate.h"
#include "core/sweep/sweep_cell.h"
#include "core/sweep/sweep_spec.h"
#include "core/util/error.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

#include <nlohmann/json.hpp>

#include <set>

using namespace lieq::sweep;
using nlohmann::json;

namespace {

json minimalSpec()
{
    return json{{"models", {"m1"}},
                {"calibration", {{"path", "calib.txt"}, {"samples", 4}, {"seqlen", 64}}},
                {"evaluation", {{"ppl", "eval.txt"}, {"max_windows", 2}}}};
}

SweepSpec parse(const json &j, const std::string &base = "/base")
{
    return parseSweepSpec(j.dump(), "spec.json", base);
}

ModelShape demoShape()
{
    ModelShape s;
    s.layers = 8;
    s.hidden = 192;
    s.intermediate = 512;
    s.vocab = 4096;
    s.linearParams = 8 * (192 * 192 + 2 * 192 * 64 + 192 * 192 + 3 * 192 * 512);
    s.bytes = 8000000;
    return s;
}

} // namespace

class TestSweepSpec : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void planChoice_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical"); // empty: an error whose text holds `error`
        QTest::addColumn<QString>("error");
        QTest::newRow("dr") << "dr" << "dr" << "";
        QTest::newRow("lieq alias") << "lieq" << "dr" << "";
        QTest::newRow("oracle alias") << "oracle" << "dppl" << "";
        QTest::newRow("lowest alias") << "lowest" << "dr-inverted" << "";
        QTest::newRow("energy knapsack") << "dE:knapsack" << "dE:knapsack" << "";
        QTest::newRow("inverted greedy") << "dppl-inverted:greedy" << "dppl-inverted:greedy" << "";
        QTest::newRow("uniform") << "uniform-3" << "uniform-3" << "";
        QTest::newRow("rule") << "rule:first" << "rule:first" << "";
        QTest::newRow("bad uniform") << "uniform-5" << "" << "2, 3, 4 or 8";
        QTest::newRow("bad score") << "entropy" << "" << "unknown score";
        QTest::newRow("bad allocator") << "dr:magic" << "" << "unknown allocator";
        QTest::newRow("lowest inverted") << "lowest-inverted" << "" << "already inverted";
        QTest::newRow("empty rule") << "rule:" << "" << "no rule name";
    }
    void planChoice()
    {
        QFETCH(QString, text);
        QFETCH(QString, canonical);
        QFETCH(QString, error);
        if (canonical.isEmpty()) {
            try {
                parsePlanChoice(text.toStdString());
                QFAIL("no error");
            } catch (const lieq::Error &e) {
                QVERIFY2(QString::fromUtf8(e.what()).contains(error), e.what());
            }
            return;
        }
        const PlanChoice c = parsePlanChoice(text.toStdString());
        QCOMPARE(QString::fromStdString(c.name()), canonical);
        QVERIFY(parsePlanChoice(c.name()) == c);
    }

    void budget_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("layers");
        QTest::addColumn<double>("bits"); // < 0: an error
        QTest::newRow("fixed") << "2.25" << 8 << 2.25;
        QTest::newRow("per layer") << "2+2/L" << 8 << 2.25;
        QTest::newRow("per layer 28") << "2 + 4 / L" << 28 << 2.0 + 4.0 / 28;
        QTest::newRow("below 2") << "1.5" << 8 << -1.0;
        QTest::newRow("garbage") << "two" << 8 << -1.0;
    }
    void budget()
    {
        QFETCH(QString, text);
        QFETCH(int, layers);
        QFETCH(double, bits);
        if (bits < 0) {
            QVERIFY_THROWS_EXCEPTION(lieq::Error, parseBudget(text.toStdString()));
            return;
        }
        const Budget b = parseBudget(text.toStdString());
        QCOMPARE(b.bitsFor(layers), bits);
        QVERIFY(parseBudget(b.text()) == b);
    }

    void specErrors_data()
    {
        QTest::addColumn<QString>("patch"); // JSON merged into the minimal spec
        QTest::addColumn<QString>("error");
        QTest::newRow("unknown key") << R"({"budget": [2.5]})" << "\"budget\": unknown key";
        QTest::newRow("no models") << R"({"models": []})" << "\"models\": must not be empty";
        QTest::newRow("bad backend") << R"({"backends": ["hqq"]})" << "unknown backend \"hqq\"";
        QTest::newRow("bad bit set") << R"({"bit_sets": [[2, 5]]})" << "not one of 2, 3, 4, 8";
        QTest::newRow("one bit width") << R"({"bit_sets": [[4]]})" << "at least two";
        QTest::newRow("bad plan") << R"({"plans": ["dr", "foo"]})" << "\"plans\": plan \"foo\"";
        QTest::newRow("duplicate seed") << R"({"seeds": [1, 1]})" << "\"seeds\": lists the same";
        QTest::newRow("negative samples") << R"({"calibration": {"path": "c", "samples": 0}})"
                                          << "calibration.samples\": must be at least 1";
        QTest::newRow("no evaluation") << R"({"evaluation": {"ppl": null, "kl": false}})"
                                       << "needs \"ppl\"";
        QTest::newRow("kl without ppl") << R"({"evaluation": {"ppl": null, "tasks": ["piqa"], "kl": true}})"
                                        << "KL is measured on the perplexity windows";
        QTest::newRow("bad budget") << R"({"budgets": ["9"]})" << "[2, 8]";
        QTest::newRow("group zero") << R"({"quantization": {"group_size": 0}})" << "group_size";
    }
    void specErrors()
    {
        QFETCH(QString, patch);
        QFETCH(QString, error);
        json j = minimalSpec();
        j.merge_patch(json::parse(patch.toStdString()));
        try {
            parse(j);
            QFAIL("no error");
        } catch (const lieq::Error &e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.contains(error), e.what());
            QVERIFY2(what.startsWith(QStringLiteral("spec.json")), e.what()); // names the file
        }
        QVERIFY_THROWS_EXCEPTION(lieq::Error, parseSweepSpec("{not json", "spec.json", "/"));
    }

    void specDefaultsAndPaths()
    {
        const SweepSpec s = parse(minimalSpec(), "/data/study");
        QCOMPARE(s.name, std::string("spec"));
        QCOMPARE(s.models, std::vector<std::string>{"/data/study/m1"});
        QCOMPARE(s.calibrations.at(0).path, std::string("/data/study/calib.txt"));
        QCOMPARE(s.evaluation.pplPath, std::string("/data/study/eval.txt"));
        QVERIFY(s.evaluation.kl);
        QCOMPARE(s.budgets.size(), std::size_t(1));
        QCOMPARE(s.budgets[0].text(), std::string("2+2/L"));
        QCOMPARE(s.plans.at(0).name(), std::string("dr"));
        QCOMPARE(s.backends, std::vector<std::string>{"gptq"});
        QCOMPARE(s.bitSets, (std::vector<std::vector<int>>{{2, 4}}));
        QCOMPARE(s.seeds, std::vector<std::int64_t>{0});
        QCOMPARE(s.threads, 1);
        // The canonical form reads back to the same spec and the same cells.
        const SweepSpec again = parseSweepSpec(sweepSpecJson(s), "again", "/elsewhere");
        QCOMPARE(sweepSpecJson(again), sweepSpecJson(s));
    }

    void expansion()
    {
        json j = minimalSpec();
        j["models"] = {"m1", "m2"};
        j["plans"] = {"uniform-2", "dr", "dr:paper"};
        j["bit_sets"] = {{2, 4}, {2, 3, 4}};
        j["budgets"] = {2.25, "2+2/L", 3.5};
        j["backends"] = {"rtn", "gptq"};
        j["seeds"] = {0, 1};
        const SweepSpec s = parse(j);
        const Expansion e = expandCells(s);
        // Per (model, backend, seed) = 8: uniform once; dr: 2 bit sets x 3 budgets; dr:paper:
        // only {2,4} (3 budgets; 3.5 lies in range). Skipped: dr:paper with {2,3,4}, 3 budgets.
        const int perGroup = 1 + 6 + 3;
        QCOMPARE(int(e.cells.size()), 2 * 2 * 2 * perGroup);
        QCOMPARE(int(e.skipped.size()), 2 * 2 * 2 * 3);
        QVERIFY(QString::fromStdString(e.skipped.front()).contains(QStringLiteral("two bit-widths")));
        std::set<std::string> keys;
        for (std::size_t i = 0; i < e.cells.size(); ++i) {
            QCOMPARE(e.cells[i].index, int(i));
            keys.insert(e.cells[i].key);
            json stored = json::parse(e.cells[i].paramsJson());
            stored["index"] = e.cells[i].index;
            const SweepCell back = cellFromJson(stored.dump(), "x");
            QCOMPARE(back.key, e.cells[i].key);
            QCOMPARE(back.label(), e.cells[i].label());
        }
        QCOMPARE(keys.size(), e.cells.size());
        const auto uniform = std::count_if(e.cells.begin(), e.cells.end(), [](const SweepCell &c) {
            return c.plan.kind == PlanChoice::Kind::Uniform;
        });
        QCOMPARE(int(uniform), 8);
        for (const SweepCell &c : e.cells)
            QCOMPARE(c.budget.has_value(), c.plan.kind != PlanChoice::Kind::Uniform);

        // A fixed budget outside a bit set's range is skipped with the reason.
        j["budgets"] = {5.0};
        j["bit_sets"] = {{2, 4}, {2, 4, 8}};
        j["plans"] = {"dr"};
        const Expansion high = expandCells(parse(j));
        QCOMPARE(int(high.cells.size()), 2 * 2 * 2);
        QVERIFY(QString::fromStdString(high.skipped.front()).contains(QStringLiteral("outside")));
    }

    void keysStableWhenGridGrows()
    {
        json j = minimalSpec();
        j["plans"] = {"dr", "uniform-4"};
        const Expansion before = expandCells(parse(j));
        j["seeds"] = {0, 7};
        j["backends"] = {"gptq", "awq"};
        const Expansion after = expandCells(parse(j));
        std::set<std::string> keys;
        for (const auto &c : after.cells)
            keys.insert(c.key);
        for (const auto &c : before.cells)
            QVERIFY2(keys.count(c.key), c.label().c_str());
        QCOMPARE(after.cells.size(), before.cells.size() * 4);
    }

    void costEstimate()
    {
        json j = minimalSpec();
        j["plans"] = {"uniform-2", "dr", "dppl"};
        j["backends"] = {"rtn", "gptq", "awq"};
        const SweepSpec s = parse(j);
        const Expansion e = expandCells(s);
        const ModelShape shape = demoShape();
        CostModel model;
        auto costOf = [&](const std::string &plan, const std::string &backend) {
            for (const SweepCell &c : e.cells)
                if (c.plan.name() == plan && c.backend == backend)
                    return estimateCell(c, s, shape, model);
            return CellCost{};
        };
        const CellCost rtnUniform = costOf("uniform-2", "rtn");
        QVERIFY(rtnUniform.known);
        QCOMPARE(rtnUniform.analysisGflop, 0.0);
        QVERIFY(costOf("uniform-2", "gptq").quantGflop > rtnUniform.quantGflop);
        QVERIFY(costOf("uniform-2", "awq").quantGflop > costOf("uniform-2", "gptq").quantGflop);
        QVERIFY(costOf("dr", "rtn").analysisGflop > 0);
        QVERIFY(costOf("dppl", "rtn").analysisGflop > 0);
        // dPPL evaluates the model once per skipped layer: deeper models cost more per token.
        ModelShape deep = shape;
        deep.layers *= 4;
        deep.linearParams *= 4;
        for (const SweepCell &c : e.cells)
            if (c.plan.name() == "dppl" && c.backend == "rtn")
                QVERIFY(estimateCell(c, s, deep, model).analysisGflop >
                        3.0 * costOf("dppl", "rtn").analysisGflop);
        QVERIFY(rtnUniform.evalGflop > 0);
        QVERIFY(rtnUniform.seconds > rtnUniform.processSeconds + rtnUniform.loadSeconds);

        // More calibration costs more; tasks add evaluation work.
        json bigger = j;
        bigger["calibration"]["samples"] = 16;
        bigger["evaluation"]["tasks"] = {"piqa"};
        bigger["evaluation"]["limit"] = 50;
        const SweepSpec sb = parse(bigger);
        const Expansion eb = expandCells(sb);
        QVERIFY(estimateCell(eb.cells[1], sb, shape, model).seconds >
                estimateCell(e.cells[1], s, shape, model).seconds);

        // A missing model folder is an unknown cost, not an error.
        const SweepCost sweep = estimateSweep(e.cells, s);
        QCOMPARE(sweep.unknownCells, int(e.cells.size()));
        QCOMPARE(sweep.totalSeconds, 0.0);

        // Calibration recovers the throughput that produced the measured seconds.
        std::vector<CellCost> est;
        std::vector<double> measured;
        for (const SweepCell &c : e.cells) {
            est.push_back(estimateCell(c, s, shape, model));
            measured.push_back(est.back().loadSeconds + est.back().gflop() / 17.0);
        }
        bool fitted = false;
        QVERIFY(qAbs(calibrated(model, est, measured, &fitted).gflopPerSecond - 17.0) < 1e-6);
        QVERIFY(fitted);
        QCOMPARE(calibrated(model, {}, {}, &fitted).gflopPerSecond, model.gflopPerSecond);
        QVERIFY(!fitted);
    }

    void realModelShape()
    {
        const std::string demo = std::string(LIEQ_SOURCE_DIR) + "/resources/demo-model";
        const auto shape = readModelShape(demo);
        QVERIFY(shape.has_value());
        // As its config.json says (the demo model is retrained now and then).
        std::ifstream in(demo + "/config.json");
        const json config = json::parse(in);
        QCOMPARE(shape->layers, config.at("num_hidden_layers").get<std::int64_t>());
        QCOMPARE(shape->hidden, config.at("hidden_size").get<std::int64_t>());
        QCOMPARE(shape->intermediate, config.at("intermediate_size").get<std::int64_t>());
        QVERIFY(shape->bytes > 1000000);
        QVERIFY(!readModelShape("/nonexistent/model").has_value());
    }
};

QTEST_GUILESS_MAIN(TestSweepSpec)
#include "tst_sweepspec.moc"
