#include "ui/rowtableview.h"

#include <QHeaderView>
#include <QTableView>

namespace lieq::ui {

QTableView *newRowTableView(QAbstractItemModel *model, QAbstractItemView::SelectionMode mode,
                            QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(mode);
    view->verticalHeader()->hide();
    return view;
}

} // namespace lieq::ui
