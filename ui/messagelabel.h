#pragma once

class QLabel;
class QWidget;

namespace lieq::ui {

// A label for a status, summary or error message: it wraps at the width it is given and its
// text can be selected and copied (into a bug report, say).
QLabel *newMessageLabel(QWidget *parent);

} // namespace lieq::ui
