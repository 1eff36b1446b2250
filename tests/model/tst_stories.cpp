// The real stories260K model (../shared): greedy decoding reproduces the documented text.
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/support/testutil.h"

#include <QTest>

using namespace lieq;

class TestStories : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setComputeThreads(); }

    void greedyDecodeMatchesReadme_data()
    {
        QTest::addColumn<bool>("cache");
        QTest::addColumn<bool>("streaming");
        QTest::newRow("kv-cache") << true << false;
        QTest::newRow("recompute") << false << false;
        QTest::newRow("kv-cache-streamed") << true << true;
    }

    void greedyDecodeMatchesReadme()
    {
        QFETCH(bool, cache);
        QFETCH(bool, streaming);
        LIEQ_REQUIRE_SHARED(dir, "models/stories260K-hf");
        ModelOptions mo;
        mo.device = "cpu";
        if (streaming)
            mo.residentBudgetBytes = 0;
        auto model = Model::load(dir, mo);
        const Tokenizer tok = Tokenizer::fromModelDir(dir);
        const std::vector<std::int32_t> prompt = tok.encode("Once upon a time", true);
        QCOMPARE(prompt, (std::vector<std::int32_t>{1, 403, 407, 261, 378}));

        GenerateOptions go;
        go.maxNewTokens = 40;
        go.useKvCache = cache;
        const GenerateResult r = model->generate(prompt, go);
        QCOMPARE(r.tokens.size(), std::size_t(40));
        std::vector<std::int32_t> all = prompt;
        all.insert(all.end(), r.tokens.begin(), r.tokens.end());
        const std::string text = tok.decode(all, /*skipSpecial=*/true);
        const std::string expected = "Once upon a time, there was a little girl named Lily. She "
                                     "loved to play outside in the park. One day, she saw a big, "
                                     "red ball.";
        QCOMPARE(QString::fromStdString(text.substr(0, expected.size())),
                 QString::fromStdString(expected));
    }
};

QTEST_GUILESS_MAIN(TestStories)
#include "tst_stories.moc"
