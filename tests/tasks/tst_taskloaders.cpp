// Task loaders on fixture files written here (every format, CSV quoting, bz2, malformed input
// naming file and line), the harness prompt strings, and the real ../shared/data item counts.
#include "core/tasks/data_files.h"
#include "core/tasks/task_loaders.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "tests/support/testutil.h"

#include <QTemporaryDir>
#include <QTest>

#include <bzlib.h>

using namespace lieq;

class TestTaskLoaders : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;

    std::string write(const char *name, const std::string &content)
    {
        const std::string path = m_tmp.filePath(QString::fromUtf8(name)).toStdString();
        writeFileAtomic(path, content);
        return path;
    }

    std::string writeBz2(const char *name, const std::string &content)
    {
        std::string packed(content.size() + content.size() / 100 + 700, '\0');
        auto len = static_cast<unsigned>(packed.size());
        const int rc = BZ2_bzBuffToBuffCompress(packed.data(), &len,
                                                const_cast<char *>(content.data()),
                                                static_cast<unsigned>(content.size()), 9, 0, 0);
        if (rc != BZ_OK)
            qFatal("bz2 compression failed");
        packed.resize(len);
        return write(name, packed);
    }

    // Runs fn, which must throw lieq::Error whose text names the file and every fragment.
    template<typename Fn>
    void expectError(Fn fn, const std::string &file, const std::vector<std::string> &fragments)
    {
        try {
            fn();
        } catch (const Error &e) {
            const std::string what = e.what();
            QVERIFY2(what.find(file) != std::string::npos, what.c_str());
            for (const auto &f : fragments)
                QVERIFY2(what.find(f) != std::string::npos, (what + " lacks " + f).c_str());
            return;
        }
        QFAIL("no lieq::Error thrown");
    }

private Q_SLOTS:
    void csvParsing_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("rows");
        QTest::addColumn<QString>("lastField"); // last field of the last row
        QTest::addColumn<int>("lastLine");
        QTest::newRow("plain") << "a,b\n1,2\n" << 2 << "2" << 2;
        QTest::newRow("no final newline") << "a,b\n1,2" << 2 << "2" << 2;
        QTest::newRow("crlf") << "a,b\r\n1,x\r\n" << 2 << "x" << 2;
        QTest::newRow("quoted comma") << "a,b\n1,\"x, y\"\n" << 2 << "x, y" << 2;
        QTest::newRow("escaped quote") << "a,b\n1,\"say \"\"hi\"\"\"\n" << 2 << "say \"hi\"" << 2;
        QTest::newRow("newline in quotes") << "a,b\n\"l1\nl2\",z\n3,w\n" << 3 << "w" << 4;
        QTest::newRow("empty fields") << "a,b,c\n,,\n" << 2 << "" << 2;
        QTest::newRow("blank line skipped") << "a\n\nb\n" << 2 << "b" << 3;
    }
    void csvParsing()
    {
        QFETCH(QString, text);
        QFETCH(int, rows);
        QFETCH(QString, lastField);
        QFETCH(int, lastLine);
        const auto parsed = parseCsv(text.toStdString(), "x.csv");
        QCOMPARE(static_cast<int>(parsed.size()), rows);
        QCOMPARE(QString::fromStdString(parsed.back().fields.back()), lastField);
        QCOMPARE(static_cast<int>(parsed.back().line), lastLine);
    }

    void csvMalformed_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("unterminated") << "a,b\n1,\"open\n2,3\n" << "line 2: quoted field is never closed";
        QTest::newRow("stray quote") << "a,b\n1,x\"y\n" << "line 2: quote inside an unquoted field";
        QTest::newRow("text after quote") << "a,b\n\n1,\"x\"y\n" << "line 3: unexpected text";
    }
    void csvMalformed()
    {
        QFETCH(QString, text);
        QFETCH(QString, fragment);
        expectError([&] { parseCsv(text.toStdString(), "bad.csv"); }, "bad.csv",
                    {fragment.toStdString()});
    }

    void piqa()
    {
        const auto data = write("piqa.jsonl",
                                "{\"goal\": \"Open a jar\", \"sol1\": \"twist the lid \", \"sol2\": \"hit it\"}\n"
                                "{\"goal\": \"dresser\", \"sol1\": \"a\", \"sol2\": \"b\"}\n");
        const auto labels = write("piqa.lst", "1\n0\n");
        const TaskData t = loadPiqa(data, labels);
        QCOMPARE(t.name, std::string("piqa"));
        QCOMPARE(t.items.size(), std::size_t(2));
        const TaskItem &i = t.items[0];
        QCOMPARE(i.gold, 1);
        QCOMPARE(i.requests.size(), std::size_t(2));
        QCOMPARE(i.requests[0].context, std::string("Question: Open a jar\nAnswer:"));
        QCOMPARE(i.requests[0].continuation, std::string(" twist the lid "));
        QCOMPARE(i.requests[1].continuation, std::string(" hit it"));
        QCOMPARE(i.choiceTexts[0], std::string("twist the lid "));
        QCOMPARE(t.items[1].gold, 0);
    }

    void piqaMalformed()
    {
        const auto good = "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n";
        const auto badJson = write("bad1.jsonl", std::string(good) + "{\"goal\": \"g\",\n");
        const auto labels2 = write("l2.lst", "0\n1\n");
        expectError([&] { loadPiqa(badJson, labels2); }, badJson, {"line 2", "not a JSON object"});
        const auto noSol = write("bad2.jsonl", std::string(good) + "{\"goal\": \"g\", \"sol1\": \"a\"}\n");
        expectError([&] { loadPiqa(noSol, labels2); }, noSol, {"line 2", "sol2"});
        const auto one = write("one.jsonl", good);
        expectError([&] { loadPiqa(one, labels2); }, labels2, {"2 labels for 1 items"});
        const auto badLabel = write("l3.lst", "7\n");
        expectError([&] { loadPiqa(one, badLabel); }, badLabel, {"line 1", "label \"7\""});
    }

    void arc()
    {
        const auto csv = write(
            "arc.csv",
            "questionID,category,sets,question,A,B,C,D,AnswerKey\n"
            "Q1,Test,easy,\"Which is \"\"hot\"\", the sun or ice? \", the sun , ice , snow , rain ,A\n"
            "Q2,Train,easy,Skip me, a , b , c , d ,B\n"
            "Q3,Test,chal,\"Two\nlines\", x , y , z ,,C\n"
            "Q4,Test,easy,Numeric key, p , q , r , s ,4\n");
        const TaskData easy = loadArc(csv, "easy");
        QCOMPARE(easy.name, std::string("arc_easy"));
        QCOMPARE(easy.items.size(), std::size_t(2));
        QCOMPARE(easy.items[0].id, std::string("Q1"));
        QCOMPARE(easy.items[0].requests[0].context,
                 std::string("Question: Which is \"hot\", the sun or ice?\nAnswer:"));
        QCOMPARE(easy.items[0].requests[0].continuation, std::string(" the sun"));
        QCOMPARE(easy.items[0].choiceTexts[3], std::string("rain"));
        QCOMPARE(easy.items[0].gold, 0);
        QCOMPARE(easy.items[1].gold, 3);
        const TaskData chal = loadArc(csv, "chal");
        QCOMPARE(chal.name, std::string("arc_challenge"));
        QCOMPARE(chal.items.size(), std::size_t(1));
        QCOMPARE(chal.items[0].requests.size(), std::size_t(3)); // empty D: three choices
        QCOMPARE(chal.items[0].requests[0].context, std::string("Question: Two\nlines\nAnswer:"));
        QCOMPARE(chal.items[0].gold, 2);
    }

    void arcMalformed()
    {
        const std::string header = "questionID,category,sets,question,A,B,C,D,AnswerKey\n";
        const auto fields = write("arc1.csv", header + "Q1,Test,easy,q,a,b,c,d,A\nQ2,Test,easy,q,a,b\n");
        expectError([&] { loadArc(fields, "easy"); }, fields, {"line 3", "6 fields"});
        const auto key = write("arc2.csv", header + "Q1,Test,easy,q,a,b,c,,D\n");
        expectError([&] { loadArc(key, "easy"); }, key, {"line 2", "answer key \"D\""});
        const auto noCol = write("arc3.csv", "questionID,category,sets,question,A,B,C,D\n");
        expectError([&] { loadArc(noCol, "easy"); }, noCol, {"line 1", "AnswerKey"});
        const auto quote = write("arc4.csv", header + "Q1,Test,easy,\"q,a,b,c,d,A\n");
        expectError([&] { loadArc(quote, "easy"); }, quote, {"line 2", "never closed"});
    }

    void hellaswagPreprocessing_data()
    {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("out");
        QTest::newRow("plain") << "  A man sits. " << "A man sits.";
        QTest::newRow("title") << "Health: How to relax [title] Breathe in. [step] Slowly."
                               << "Health: How to relax. Breathe in. Slowly.";
        // Strip runs before the bracket removal, so the harness keeps this leading space.
        QTest::newRow("header") << "[header] How to x [title] Do y." << " How to x. Do y.";
        QTest::newRow("brackets non-greedy") << "a [b] c [d] e" << "a c e";
        QTest::newRow("double space once") << "a   b" << "a  b";
        QTest::newRow("unclosed bracket") << "tap the \" [\" button" << "tap the \" [\" button";
    }
    void hellaswagPreprocessing()
    {
        QFETCH(QString, in);
        QFETCH(QString, out);
        QCOMPARE(QString::fromStdString(hellaswagPreprocess(in.toStdString())), out);
    }

    void hellaswag_data()
    {
        QTest::addColumn<bool>("compressed");
        QTest::newRow("text") << false;
        QTest::newRow("bz2") << true;
    }
    void hellaswag()
    {
        QFETCH(bool, compressed);
        const std::string text =
            "Roof shingle removal: A man is sitting on a roof. he\n3\n"
            "is using wrap.\nis ripping tiles.\nis holding a cube.\nstarts pulling up roofing.\n"
            "Health: How to rest [title] Sleep well. Do it now.\n0\n"
            "[step] Lie  down.\nb\nc\nd\n";
        const auto path = compressed ? writeBz2("hs.txt.bz2", text) : write("hs.txt", text);
        const TaskData t = loadHellaswag(path);
        QCOMPARE(t.items.size(), std::size_t(2));
        const TaskItem &a = t.items[0];
        QCOMPARE(a.gold, 3);
        // The trailing ctx_b fragment is capitalised as the harness's ctx_b.capitalize().
        QCOMPARE(a.requests[0].context,
                 std::string("Roof shingle removal: A man is sitting on a roof. He"));
        QCOMPARE(a.requests[3].continuation, std::string(" starts pulling up roofing."));
        QCOMPARE(a.choiceTexts[1], std::string("is ripping tiles."));
        const TaskItem &b = t.items[1];
        QCOMPARE(b.requests[0].context, std::string("Health: How to rest. Sleep well. Do it now."));
        // As in the harness: strip first, then drop "[step]", so a space stays in front.
        QCOMPARE(b.choiceTexts[0], std::string(" Lie down."));
        QCOMPARE(b.requests[0].continuation, std::string("  Lie down."));
    }

    void hellaswagMalformed()
    {
        const auto partial = write("hs1.txt", "A: b. c\n1\nw\nx\ny\nz\nA: b\n2\n");
        expectError([&] { loadHellaswag(partial); }, partial, {"line 7", "incomplete"});
        const auto label = write("hs2.txt", "A: b. c\n1\nw\nx\ny\nz\nA: b\n9\nw\nx\ny\nz\n");
        expectError([&] { loadHellaswag(label); }, label, {"line 8", "\"9\""});
        const auto broken = write("hs3.txt.bz2", "BZh9 this is not bzip2");
        expectError([&] { loadHellaswag(broken); }, broken, {"bzip2"});
        const std::string full = "A: b. c\n1\nw\nx\ny\nz\n";
        const auto packed = writeBz2("hs4.txt.bz2", full);
        const std::string bytes = readFile(packed);
        const auto cut = write("hs5.txt.bz2", bytes.substr(0, bytes.size() / 2));
        expectError([&] { loadHellaswag(cut); }, cut, {"truncated"});
    }

    void winogrande()
    {
        const auto data = write(
            "wg.jsonl",
            "{\"qID\": \"q-1\", \"sentence\": \"Sarah beat Maria so _ got the  prize .\", "
            "\"option1\": \"Sarah\", \"option2\": \"Maria\", \"answer\": \"1\"}\n"
            "{\"qID\": \"q-2\", \"sentence\": \"The cup is bigger than the box, so the _ fits.\", "
            "\"option1\": \"cup\", \"option2\": \"box\", \"answer\": \"2\"}\n");
        const auto labels = write("wg.lst", "1\n2\n");
        const TaskData t = loadWinogrande(data, labels);
        QCOMPARE(t.items.size(), std::size_t(2));
        const TaskItem &a = t.items[0];
        QCOMPARE(a.id, std::string("q-1"));
        QCOMPARE(a.gold, 0);
        QCOMPARE(a.requests[0].context, std::string("Sarah beat Maria so Sarah"));
        QCOMPARE(a.requests[1].context, std::string("Sarah beat Maria so Maria"));
        QCOMPARE(a.requests[0].continuation, std::string(" got the  prize ."));
        QCOMPARE(a.requests[1].continuation, a.requests[0].continuation);
        QCOMPARE(t.items[1].gold, 1);
        QCOMPARE(t.items[1].requests[1].context,
                 std::string("The cup is bigger than the box, so the box"));
    }

    void winograndeMalformed()
    {
        const auto noBlank = write("wg1.jsonl", "{\"sentence\": \"no blank\", \"option1\": \"a\", "
                                                "\"option2\": \"b\", \"answer\": \"1\"}\n");
        expectError([&] { loadWinogrande(noBlank); }, noBlank, {"line 1", "blank"});
        const auto answer = write("wg2.jsonl", "\n{\"sentence\": \"a _ b\", \"option1\": \"a\", "
                                               "\"option2\": \"b\", \"answer\": \"3\"}\n");
        expectError([&] { loadWinogrande(answer); }, answer, {"line 2", "label \"3\""});
        const auto ok = write("wg3.jsonl", "{\"sentence\": \"a _ b\", \"option1\": \"a\", "
                                           "\"option2\": \"b\", \"answer\": \"1\"}\n");
        const auto wrong = write("wg3.lst", "2\n");
        expectError([&] { loadWinogrande(ok, wrong); }, wrong, {"line 1", "disagrees"});
    }

    void boolq()
    {
        const auto data = write("bq.jsonl",
                                "{\"question\": \"is the sky blue\", \"title\": \"Sky\", "
                                "\"answer\": true, \"passage\": \"The sky is blue.\"}\n");
        const TaskData t = loadBoolq(data);
        QCOMPARE(t.items.size(), std::size_t(1));
        QCOMPARE(t.items[0].requests[0].context,
                 std::string("The sky is blue.\nQuestion: is the sky blue?\nAnswer:"));
        QCOMPARE(t.items[0].requests[0].continuation, std::string(" no"));
        QCOMPARE(t.items[0].requests[1].continuation, std::string(" yes"));
        QCOMPARE(t.items[0].gold, 1);
        const auto bad = write("bq2.jsonl", "{\"question\": \"q\", \"passage\": \"p\", \"answer\": \"yes\"}\n");
        expectError([&] { loadBoolq(bad); }, bad, {"line 1", "answer"});
        const auto empty = write("bq3.jsonl", "\n\n");
        expectError([&] { loadBoolq(empty); }, empty, {"no items"});
    }

    void taskNames()
    {
        QCOMPARE(canonicalTaskName("arc_e"), std::string("arc_easy"));
        QCOMPARE(canonicalTaskName("arc_c"), std::string("arc_challenge"));
        QCOMPARE(zeroShotTaskNames().size(), std::size_t(6));
        QVERIFY_THROWS_EXCEPTION(Error, canonicalTaskName("mmlu"));
        QVERIFY_THROWS_EXCEPTION(Error, loadTask("piqa", m_tmp.filePath(QStringLiteral("nowhere")).toStdString()));
    }

    void realData_data()
    {
        QTest::addColumn<QString>("task");
        QTest::addColumn<int>("items");
        QTest::addColumn<int>("choices");
        QTest::newRow("piqa") << "piqa" << 1838 << 2;
        QTest::newRow("arc_e") << "arc_e" << 2376 << 4;
        QTest::newRow("arc_c") << "arc_c" << 1172 << 4;
        QTest::newRow("hellaswag") << "hellaswag" << 10042 << 4;
        QTest::newRow("winogrande") << "winogrande" << 1267 << 2;
        QTest::newRow("boolq") << "boolq" << 3270 << 2;
    }
    void realData()
    {
        QFETCH(QString, task);
        QFETCH(int, items);
        QFETCH(int, choices);
        LIEQ_REQUIRE_SHARED(dataDir, "data");
        const TaskData t = loadTask(task.toStdString(), dataDir);
        QCOMPARE(static_cast<int>(t.items.size()), items);
        int maxChoices = 0;
        for (const TaskItem &i : t.items) {
            maxChoices = std::max(maxChoices, static_cast<int>(i.requests.size()));
            QVERIFY(i.gold >= 0 && i.gold < static_cast<int>(i.requests.size()));
            QCOMPARE(i.choiceTexts.size(), i.requests.size());
        }
        QCOMPARE(maxChoices, choices);
    }
};

QTEST_GUILESS_MAIN(TestTaskLoaders)
#include "tst_taskloaders.moc"
