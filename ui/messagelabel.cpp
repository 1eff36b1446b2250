#include "ui/messagelabel.h"

#include <QLabel>

namespace lieq::ui {

QLabel *newMessageLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace lieq::ui
