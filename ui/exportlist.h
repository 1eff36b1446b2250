#pragma once

#include "core/store/records.h"

#include <QString>

#include <vector>

namespace lieq::ui {

// History's list of where a run's exports went: kind, path, size, time and the summary's
// headline (exact tensors, GPTQ format and warnings, report pages), newest first, as HTML.
QString exportsHtml(const QString &runLabel, const std::vector<store::ExportRecord> &exports);

} // namespace lieq::ui
