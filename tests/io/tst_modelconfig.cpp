#include "core/io/model_config.h"
#include "core/util/error.h"
#include "tests/support/tiny_checkpoint.h"

#include <QTest>
#include <nlohmann/json.hpp>

using namespace lieq;
using nlohmann::json;

namespace {
json base()
{
    return json{{"model_type", "llama"},        {"vocab_size", 100},          {"hidden_size", 64},
                {"intermediate_size", 128},     {"num_hidden_layers", 3},     {"num_attention_heads", 4},
                {"num_key_value_heads", 2},     {"rms_norm_eps", 1e-5},       {"rope_theta", 500000.0},
                {"max_position_embeddings", 512}, {"bos_token_id", 1},        {"eos_token_id", {2, 3}},
                {"torch_dtype", "bfloat16"}};
}
} // namespace

class TestModelConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void llama()
    {
        const auto c = ModelConfig::fromJson(base().dump(), "config.json");
        QCOMPARE(c.arch, Architecture::Llama);
        QCOMPARE(c.architectureName(), std::string("llama"));
        QCOMPARE(c.headDim, std::int64_t(16));
        QCOMPARE(c.numKvHeads, std::int64_t(2));
        QCOMPARE(c.ropeTheta, 500000.0);
        QCOMPARE(c.rmsNormEps, 1e-5);
        QCOMPARE(c.maxPositionEmbeddings, std::int64_t(512));
        QCOMPARE(c.bosTokenId.value(), std::int64_t(1));
        QCOMPARE(c.eosTokenIds, (std::vector<std::int64_t>{2, 3}));
        QCOMPARE(c.torchDtype, std::string("bfloat16"));
        QVERIFY(!c.tieWordEmbeddings && !c.attentionBias && !c.qkNorm);
        QVERIFY(c.ropeScaling.type.empty());
        // q 64x64 + k,v 2x(64x32) + o 64x64 + 3 x 64x128
        QCOMPARE(c.layerLinearParams(), std::int64_t(64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 128));
        QCOMPARE(c.decoderLinearParams(), 3 * c.layerLinearParams());
    }

    void llama3RopeScaling()
    {
        json j = base();
        j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 32.0}, {"low_freq_factor", 1.0},
                             {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 8192}};
        j["tie_word_embeddings"] = true;
        const auto c = ModelConfig::fromJson(j.dump(), "config.json");
        QCOMPARE(c.ropeScaling.type, std::string("llama3"));
        QCOMPARE(c.ropeScaling.factor, 32.0);
        QCOMPARE(c.ropeScaling.highFreqFactor, 4.0);
        QCOMPARE(c.ropeScaling.originalMaxPositionEmbeddings, std::int64_t(8192));
        QVERIFY(c.tieWordEmbeddings);
        // Older configs spell it "type".
        j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
        QCOMPARE(ModelConfig::fromJson(j.dump(), "c").ropeScaling.type, std::string("linear"));
        j["rope_scaling"] = {{"rope_type", "default"}};
        QVERIFY(ModelConfig::fromJson(j.dump(), "c").ropeScaling.type.empty());
    }

    void qwen2HasBiases()
    {
        json j = base();
        j["model_type"] = "qwen2";
        j["use_sliding_window"] = false;
        j["sliding_window"] = 4096; // present in real Qwen2.5 configs but unused
        const auto c = ModelConfig::fromJson(j.dump(), "config.json");
        QCOMPARE(c.arch, Architecture::Qwen2);
        QVERIFY(c.attentionBias);
        QVERIFY(!c.qkNorm);
        QVERIFY(!c.slidingWindow.has_value());
    }

    void qwen3ExplicitHeadDim()
    {
        json j = base();
        j["model_type"] = "qwen3";
        j["head_dim"] = 24; // differs from 64 / 4
        j["attention_bias"] = false;
        const auto c = ModelConfig::fromJson(j.dump(), "config.json");
        QCOMPARE(c.arch, Architecture::Qwen3);
        QCOMPARE(c.headDim, std::int64_t(24));
        QVERIFY(c.qkNorm);
        QVERIFY(!c.attentionBias);
        QCOMPARE(c.layerLinearParams(), std::int64_t(64 * 96 + 2 * 64 * 48 + 96 * 64 + 3 * 64 * 128));
    }

    void mistralSlidingWindow()
    {
        json j = base();
        j["model_type"] = "mistral";
        j["sliding_window"] = 4096;
        auto c = ModelConfig::fromJson(j.dump(), "config.json");
        QCOMPARE(c.arch, Architecture::Mistral);
        QCOMPARE(c.slidingWindow.value(), std::int64_t(4096));
        j["sliding_window"] = nullptr;
        c = ModelConfig::fromJson(j.dump(), "config.json");
        QVERIFY(!c.slidingWindow.has_value());
    }

    void defaults()
    {
        json j = base();
        j.erase("num_key_value_heads");
        j.erase("rms_norm_eps");
        j.erase("rope_theta");
        j.erase("eos_token_id");
        j["head_dim"] = nullptr; // null means "derive"
        const auto c = ModelConfig::fromJson(j.dump(), "config.json");
        QCOMPARE(c.numKvHeads, std::int64_t(4));
        QCOMPARE(c.headDim, std::int64_t(16));
        QCOMPARE(c.rmsNormEps, 1e-6);
        QCOMPARE(c.ropeTheta, 10000.0);
        QVERIFY(c.eosTokenIds.empty());
    }

    void errors_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value"); // JSON; "<erase>" removes the key
        QTest::addColumn<QString>("problem");
        QTest::newRow("unknown arch") << "model_type" << "\"gpt_neox\"" << "unsupported architecture gpt_neox";
        QTest::newRow("no model_type") << "model_type" << "<erase>" << "missing \"model_type\"";
        QTest::newRow("no hidden") << "hidden_size" << "<erase>" << "missing \"hidden_size\"";
        QTest::newRow("zero layers") << "num_hidden_layers" << "0" << "\"num_hidden_layers\" must be positive";
        QTest::newRow("fractional") << "vocab_size" << "10.5" << "\"vocab_size\" is not an integer";
        QTest::newRow("string int") << "hidden_size" << "\"64\"" << "\"hidden_size\" is not an integer";
        QTest::newRow("gqa mismatch") << "num_key_value_heads" << "3" << "not a multiple of num_key_value_heads 3";
        QTest::newRow("odd head dim") << "head_dim" << "7" << "head_dim 7 is odd";
        QTest::newRow("bad activation") << "hidden_act" << "\"gelu\"" << "unsupported hidden_act \"gelu\"";
        QTest::newRow("yarn") << "rope_scaling" << R"({"rope_type": "yarn", "factor": 4.0})" << "unsupported rope_scaling type \"yarn\"";
        QTest::newRow("bad llama3") << "rope_scaling" << R"({"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 4.0, "high_freq_factor": 1.0})" << "low_freq_factor < high_freq_factor";
        QTest::newRow("bool type") << "tie_word_embeddings" << "\"yes\"" << "\"tie_word_embeddings\" is not true/false";
        QTest::newRow("eos strings") << "eos_token_id" << R"(["a"])" << "\"eos_token_id\" holds a non-integer";
        QTest::newRow("sliding qwen") << "use_sliding_window" << "true" << "sliding-window attention";
    }
    void errors()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, problem);
        json j = base();
        if (value == QStringLiteral("<erase>"))
            j.erase(key.toStdString());
        else
            j[key.toStdString()] = json::parse(value.toStdString());
        try {
            ModelConfig::fromJson(j.dump(), "/m/config.json");
            QFAIL("accepted");
        } catch (const Error &e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.startsWith(QStringLiteral("/m/config.json: ")) && msg.contains(problem), qPrintable(msg));
        }
    }

    void notJson()
    {
        QVERIFY_THROWS_EXCEPTION(Error, ModelConfig::fromJson("{", "c.json"));
        QVERIFY_THROWS_EXCEPTION(Error, ModelConfig::fromJson("[]", "c.json"));
        QVERIFY_THROWS_EXCEPTION(Error, ModelConfig::fromFile("/nonexistent/config.json"));
    }

    // The fixture generator's configs parse into what the spec asked for.
    void fixtureConfigs_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("headDim");
        QTest::newRow("llama") << "llama" << 0;
        QTest::newRow("qwen2") << "qwen2" << 0;
        QTest::newRow("qwen3") << "qwen3" << 24;
        QTest::newRow("mistral") << "mistral" << 0;
    }
    void fixtureConfigs()
    {
        QFETCH(QString, arch);
        QFETCH(int, headDim);
        lieq::test::TinyModelSpec spec;
        spec.arch = arch.toStdString();
        spec.headDim = headDim;
        spec.llama3RopeScaling = arch == QStringLiteral("llama");
        const auto c = ModelConfig::fromJson(lieq::test::tinyConfigJson(spec, 300), "config.json");
        QCOMPARE(c.modelType, spec.arch);
        QCOMPARE(c.vocabSize, std::int64_t(300));
        QCOMPARE(c.headDim, std::int64_t(headDim ? headDim : 16));
        QCOMPARE(c.ropeScaling.type, std::string(spec.llama3RopeScaling ? "llama3" : ""));
    }
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "tst_modelconfig.moc"
