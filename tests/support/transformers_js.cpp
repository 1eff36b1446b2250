#include "tests/support/transformers_js.h"

#include "tests/support/testutil.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <fstream>

namespace lieq::test {

namespace {
QString nodeExecutable()
{
    return QStandardPaths::findExecutable(QStringLiteral("node"));
}
} // namespace

std::string transformersJsUnavailable()
{
    if (nodeDir().empty())
        return "tests/node/node_modules is absent (run npm install --ignore-scripts in tests/node)";
    if (nodeExecutable().isEmpty()) return "node is not installed";
    return {};
}

ReferenceIds transformersJsIds(const std::string &tokenizerDir,
                               const std::vector<std::string> &inputs, int timeoutMs)
{
    ReferenceIds r;
    if (const std::string why = transformersJsUnavailable(); !why.empty()) {
        r.error = why;
        return r;
    }
    QTemporaryDir tmp;
    const QString out = tmp.filePath(QStringLiteral("ref.json"));
    QStringList args{QString::fromStdString(nodeDir() + "/tokenize_ref.mjs"), QStringLiteral("ids"),
                     QString::fromStdString(tokenizerDir), out};
    for (const auto &in : inputs)
        args << QString::fromStdString(in);
    QProcess proc;
    proc.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    proc.start(nodeExecutable(), args);
    if (!proc.waitForFinished(timeoutMs)) {
        r.error = "transformers.js did not finish in " + std::to_string(timeoutMs / 1000) + " s";
        return r;
    }
    if (proc.exitStatus() != QProcess::NormalExit || proc.exitCode() != 0) {
        r.error = "tokenize_ref.mjs failed (see its stderr above)";
        return r;
    }
    std::ifstream f(out.toStdString());
    const auto ref = nlohmann::json::parse(f);
    for (const auto &result : ref.at("results"))
        r.ids.push_back(result.at("ids").get<std::vector<std::int32_t>>());
    if (r.ids.size() != inputs.size())
        r.error = "tokenize_ref.mjs returned " + std::to_string(r.ids.size()) + " results for " +
                  std::to_string(inputs.size()) + " inputs";
    return r;
}

} // namespace lieq::test
