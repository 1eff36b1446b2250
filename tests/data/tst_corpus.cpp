// Corpora: plain text used as is, JSONL by field, and the errors users can hit.
#include "core/data/corpus.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include "tests/support/testutil.h"

#include <QTemporaryDir>
#include <QTest>

using namespace lieq;

class TestCorpus : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    std::string write(const char *name, const std::string &content)
    {
        const std::string p = m_tmp.filePath(QString::fromLatin1(name)).toStdString();
        writeFileAtomic(p, content);
        return p;
    }

private Q_SLOTS:
    void textFileIsOneDocument()
    {
        const std::string text = " = Title = \n\n Body line , with spaces  \n\n";
        const Corpus c = Corpus::fromFile(write("a.txt", text));
        QCOMPARE(c.documents().size(), std::size_t(1));
        QCOMPARE(c.joined(), text); // byte-exact, nothing trimmed
        QCOMPARE(c.totalBytes(), text.size());
    }

    void jsonlField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("joined");
        QTest::newRow("text") << QStringLiteral("text") << QStringLiteral("a b\n\nc\u00e9\n\nlast");
        QTest::newRow("other") << QStringLiteral("goal") << QStringLiteral("g1\n\ng2\n\ng3");
    }
    void jsonlField()
    {
        QFETCH(QString, field);
        QFETCH(QString, joined);
        const std::string p = write("rows.jsonl", "{\"text\": \"a b\", \"goal\": \"g1\"}\n"
                                                  "\n"
                                                  "{\"text\": \"c\\u00e9\", \"goal\": \"g2\"}\r\n"
                                                  "{\"goal\": \"g3\", \"text\": \"last\"}");
        const Corpus c = Corpus::fromFile(p, field.toStdString());
        QCOMPARE(c.documents().size(), std::size_t(3));
        QCOMPARE(QString::fromStdString(c.joined()), joined);
        QCOMPARE(c.joined(" | ").find(" | ") != std::string::npos, true);
    }

    void errorsNameFileAndLine_data()
    {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("needle");
        QTest::newRow("bad-json") << QStringLiteral("{\"text\": \"ok\"}\n{oops\n")
                                  << QStringLiteral("text") << QStringLiteral("line 2");
        QTest::newRow("missing") << QStringLiteral("{\"text\": \"ok\"}\n{\"t\": \"x\"}\n")
                                 << QStringLiteral("text") << QStringLiteral("no field \"text\"");
        QTest::newRow("not-string") << QStringLiteral("{\"text\": 3}\n") << QStringLiteral("text")
                                    << QStringLiteral("not a string");
        QTest::newRow("empty") << QStringLiteral("\n\n") << QStringLiteral("text")
                               << QStringLiteral("no rows");
    }
    void errorsNameFileAndLine()
    {
        QFETCH(QString, content);
        QFETCH(QString, field);
        QFETCH(QString, needle);
        const std::string p = write("bad.jsonl", content.toStdString());
        try {
            Corpus::fromFile(p, field.toStdString());
            QFAIL("no error");
        } catch (const Error &e) {
            const QString msg = QString::fromStdString(e.what());
            QVERIFY2(msg.contains(needle), qPrintable(msg));
            QVERIFY2(msg.contains(QStringLiteral("bad.jsonl")), qPrintable(msg));
        }
    }

    void otherErrors()
    {
        QVERIFY_THROWS_EXCEPTION(Error, Corpus::fromFile(m_tmp.filePath(QStringLiteral("none.txt")).toStdString()));
        QVERIFY_THROWS_EXCEPTION(Error, Corpus::fromFile(write("e.txt", "")));
        // A field on a text file would be silently ignored: refuse it.
        QVERIFY_THROWS_EXCEPTION(Error, Corpus::fromFile(write("f.txt", "abc"), "text"));
    }

    void realWikitextIsUsedAsIs()
    {
        LIEQ_REQUIRE_SHARED(path, "data/wikitext-2-raw/wiki.test.hf_joined.txt");
        const Corpus c = Corpus::fromFile(path);
        QCOMPARE(c.totalBytes(), std::size_t(1296370));
        QVERIFY(c.joined().rfind("\n\n = Robert Boulter = \n", 0) == 0);
    }
};

QTEST_GUILESS_MAIN(TestCorpus)
#include "tst_corpus.moc"
