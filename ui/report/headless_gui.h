#pragma once

#include <memory>

class QGuiApplication;

namespace lieq::ui::report {

// Rendering reports needs a QGuiApplication; a command-line tool has none. Returns a new one
// (on the offscreen platform unless QT_QPA_PLATFORM says otherwise, so no display is needed),
// or null when the process already has an application object.
std::unique_ptr<QGuiApplication> ensureGuiApplication();

} // namespace lieq::ui::report
