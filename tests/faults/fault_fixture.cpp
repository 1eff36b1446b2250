#include "tests/faults/fault_fixture.h"

#include "core/store/database.h"
#include "core/store/statement.h"
#include "core/util/atomic_file.h"
#include "tests/support/tiny_checkpoint.h"

#include <QDirIterator>

#include <sstream>

namespace lieq::test {

FaultFixture::FaultFixture(int layers)
{
    TinyModelSpec spec;
    spec.layers = layers;
    model = writeTinyCheckpoint(path("model"), spec);
    std::string t;
    for (int i = 0; i < 60; ++i)
        t += "Sentence " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog. ";
    text = path("text.txt");
    lieq::writeFileAtomic(text, t);
    store = path("store.sqlite");
}

std::string FaultFixture::path(const std::string &name) const
{
    return tmp.filePath(QString::fromStdString(name)).toStdString();
}

std::string storeProblems(const std::string &storePath)
{
    store::Database db(storePath, store::Database::Mode::ReadOnly);
    std::string out;
    store::Statement ic(db, "PRAGMA integrity_check");
    while (ic.step())
        if (ic.columnText(0) != "ok")
            out += "integrity: " + ic.columnText(0) + "; ";
    store::Statement fk(db, "PRAGMA foreign_key_check");
    while (fk.step())
        out += "dangling reference in " + fk.columnText(0) + "; ";
    return out;
}

QStringList finishedRuns(const std::string &storePath)
{
    store::Database db(storePath, store::Database::Mode::ReadOnly);
    QStringList out;
    const char *queries[] = {
        "SELECT 'a' || r.id || ' ' || r.settings_hash || ' layer rows ' ||"
        " (SELECT count(*) || ' sum ' || ifnull(total(value), 0) FROM analysis_layer_metrics m WHERE m.run_id = r.id) ||"
        " ' projection rows ' ||"
        " (SELECT count(*) || ' sum ' || ifnull(total(value), 0) FROM analysis_projection_metrics p WHERE p.run_id = r.id)"
        " FROM analysis_runs r WHERE r.status = 'done' ORDER BY r.id",
        "SELECT 'q' || q.id || ' ' || q.settings_hash || ' ' || q.output_path || ' ' || q.output_bytes ||"
        " ' losses ' || (SELECT count(*) || ' sum ' || ifnull(total(loss), 0) FROM quant_module_losses l WHERE l.run_id = q.id) ||"
        " ' evals ' || (SELECT count(*) || ' sum ' || ifnull(total(value), 0) FROM eval_results e WHERE e.quant_run_id = q.id)"
        " FROM quant_runs q WHERE q.status = 'done' ORDER BY q.id",
        // Rows that belong to no run (an unquantized model's evaluations) and recorded exports.
        "SELECT 'model evals ' || count(*) || ' sum ' || ifnull(total(value), 0) FROM eval_results"
        " WHERE quant_run_id IS NULL",
        "SELECT 'exports ' || count(*) || ' ' || ifnull(group_concat(path, ','), '') FROM exports",
    };
    for (const char *sql : queries) {
        store::Statement st(db, sql);
        while (st.step())
            out << QString::fromStdString(st.columnText(0));
    }
    return out;
}

int runningRuns(const std::string &storePath)
{
    store::Database db(storePath, store::Database::Mode::ReadOnly);
    store::Statement st(db, "SELECT (SELECT count(*) FROM analysis_runs WHERE status = 'running') +"
                            " (SELECT count(*) FROM quant_runs WHERE status = 'running')");
    return st.step() ? int(st.columnInt(0)) : -1;
}

QStringList partialFiles(const std::string &dir)
{
    QStringList out;
    QDirIterator it(QString::fromStdString(dir), QDir::Files | QDir::Hidden | QDir::System,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString p = it.next();
        const QString name = it.fileName();
        if (name.contains(QLatin1String(".tmp.")) || name.endsWith(QLatin1String(".partial")) ||
            name.endsWith(QLatin1String(".incomplete")))
            out << p;
    }
    return out;
}

QString cliPath() { return QStringLiteral(LIEQ_CLI_PATH); }

} // namespace lieq::test
