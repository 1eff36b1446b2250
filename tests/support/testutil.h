#pragma once

#include <QString>
#include <QTemporaryDir>
#include <string>

namespace lieq::test {

// ../shared beside the source tree (or $LIEQ_SHARED_DIR); empty when absent.
std::string sharedDir();
// Path under sharedDir(), or empty when that file/folder does not exist.
std::string sharedPath(const std::string &relative);
// The build folder (for outputs tests leave for review, e.g. screenshots).
std::string buildDir();
// tests/node (or $LIEQ_NODE_DIR) when its npm packages are installed (node_modules present);
// empty otherwise, and reference tests then skip.
std::string nodeDir();
std::string sourceDir();

} // namespace lieq::test

// Skips the current test function with a clear message when shared material is missing.
#define LIEQ_REQUIRE_SHARED(var, relative)                                                         \
    const std::string var = lieq::test::sharedPath(relative);                                      \
    if (var.empty())                                                                               \
        QSKIP(qPrintable(QStringLiteral("../shared/") + QString::fromStdString(relative) +         \
                         QStringLiteral(" is absent: test skipped")));
