// The six tasks from ../shared/data scored with stories260K (a small limit per task; skipped
// when ../shared is absent). A 260K-parameter TinyStories model is near chance: the checks
// are that every accuracy is a proper fraction of the items scored and that packed batching
// agrees with one-row-per-forward scoring on real prompts.
#include "core/model/model.h"
#include "core/tasks/task_loaders.h"
#include "core/tasks/zero_shot.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/support/testutil.h"

#include <QTest>

#include <cmath>
#include <cstdio>

using namespace lieq;

class TestZeroShotStories : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Model> m_model;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::string m_data;

private Q_SLOTS:
    void initTestCase()
    {
        setComputeThreads();
        const std::string dir = test::sharedPath("models/stories260K-hf");
        m_data = test::sharedPath("data");
        if (dir.empty() || m_data.empty())
            QSKIP("../shared/models/stories260K-hf or ../shared/data is absent");
        m_model = Model::load(dir);
        m_tokenizer = std::make_unique<Tokenizer>(Tokenizer::fromModelDir(dir));
    }

    void task_data()
    {
        QTest::addColumn<QString>("task");
        for (const std::string &t : zeroShotTaskNames())
            QTest::newRow(t.c_str()) << QString::fromStdString(t);
    }
    void task()
    {
        QFETCH(QString, task);
        const TaskData data = loadTask(task.toStdString(), m_data);
        ZeroShotOptions zo;
        zo.limit = 40;
        zo.keepItems = true;
        const TaskResult r = evaluateTask(*m_model, *m_tokenizer, data, zo);
        QCOMPARE(r.n, std::int64_t(40));
        QVERIFY(r.acc >= 0 && r.acc <= 1);
        // acc_norm only where lm-eval defines it (not WinoGrande, BoolQ).
        QCOMPARE(r.hasAccNorm, task != QLatin1StringView("winogrande") && task != QLatin1StringView("boolq"));
        QVERIFY(r.hasAccNorm ? r.accNorm >= 0 && r.accNorm <= 1 : std::isnan(r.accNorm));
        // acc is a count of correct items over n.
        QVERIFY(std::abs(r.acc * 40 - std::round(r.acc * 40)) < 1e-9);
        std::printf("%-14s n=%lld acc=%.4f (+-%.4f) acc_norm=%.4f (+-%.4f) %.2f s\n",
                    r.task.c_str(), static_cast<long long>(r.n), r.acc, r.accStderr, r.accNorm,
                    r.accNormStderr, r.seconds);

        ZeroShotOptions one = zo;
        one.limit = 10;
        one.scorer.batching = Batching::None;
        const TaskResult ref = evaluateTask(*m_model, *m_tokenizer, data, one);
        QCOMPARE(ref.n, std::int64_t(10));
        for (std::size_t i = 0; i < 10; ++i)
            QCOMPARE(ref.items[i].predicted, r.items[i].predicted);
        for (std::size_t i = 0; i < 10; ++i)
            for (std::size_t c = 0; c < r.items[i].logprobs.size(); ++c)
                QVERIFY(std::abs(ref.items[i].logprobs[c] - r.items[i].logprobs[c]) < 1e-4);
    }
};

QTEST_GUILESS_MAIN(TestZeroShotStories)
#include "tst_zeroshotstories.moc"
