#include "tests/support/llama_reference.h"

#include "core/util/error.h"
#include "tests/support/testutil.h"

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <cstring>

namespace lieq::test {

std::optional<LlamaReference> llamaLogProbs(const std::string &gguf, const std::vector<std::int32_t> &ids,
                                            std::string *whyNot, int timeoutSeconds)
{
    auto skip = [&](const std::string &why) -> std::optional<LlamaReference> {
        if (whyNot)
            *whyNot = why;
        return std::nullopt;
    };
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    if (node.isEmpty())
        return skip("node is not installed: llama.cpp reference skipped");
    const std::string dir = nodeDir();
    if (dir.empty() || !QFile::exists(QString::fromStdString(dir + "/node_modules/node-llama-cpp/package.json")))
        return skip("tests/node/node_modules/node-llama-cpp is absent (run npm install in tests/node): skipped");

    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("logprobs.bin"));
    QString list;
    for (std::size_t i = 0; i < ids.size(); ++i)
        list += (i ? QStringLiteral(",") : QString()) + QString::number(ids[i]);
    QProcess p;
    p.setWorkingDirectory(QString::fromStdString(dir));
    p.start(node, {QString::fromStdString(dir + "/llama_logits.mjs"), QString::fromStdString(gguf), list, out});
    if (!p.waitForFinished(timeoutSeconds * 1000)) {
        p.kill();
        p.waitForFinished();
        throw Error(gguf, "llama_logits.mjs did not finish within " + std::to_string(timeoutSeconds) + " s");
    }
    const QByteArray stdoutText = p.readAllStandardOutput();
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        throw Error(gguf, "llama_logits.mjs failed (exit " + std::to_string(p.exitCode()) + "): " +
                              p.readAllStandardError().toStdString());
    const QJsonObject summary = QJsonDocument::fromJson(stdoutText.trimmed()).object();
    LlamaReference r;
    r.positions = summary.value(QStringLiteral("positions")).toInteger();
    r.vocab = summary.value(QStringLiteral("vocab")).toInteger();
    for (const auto v : summary.value(QStringLiteral("top1")).toArray())
        r.top1.push_back(static_cast<std::int32_t>(v.toInteger()));
    QFile f(out);
    if (!f.open(QIODevice::ReadOnly))
        throw Error(out.toStdString(), "llama_logits.mjs wrote no output");
    const QByteArray bytes = f.readAll();
    if (r.positions != static_cast<std::int64_t>(ids.size()) || r.vocab <= 0 ||
        bytes.size() != r.positions * r.vocab * 4)
        throw Error(out.toStdString(), "unexpected output size " + std::to_string(bytes.size()) + " for summary " +
                                           stdoutText.toStdString());
    r.logProbs.resize(static_cast<std::size_t>(r.positions * r.vocab));
    std::memcpy(r.logProbs.data(), bytes.constData(), static_cast<std::size_t>(bytes.size()));
    return r;
}

} // namespace lieq::test
