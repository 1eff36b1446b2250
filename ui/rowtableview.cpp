#include "ui/rowtableview.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QTableView>

#include <algorithm>

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

QList<int> selectedRowNumbers(const QTableView *view)
{
    QList<int> rows;
    for (const QModelIndex &i : view->selectionModel()->selectedRows())
        rows << i.row();
    std::sort(rows.begin(), rows.end());
    return rows;
}

} // namespace lieq::ui
