#pragma once

#include <QAbstractItemView>
#include <QList>

class QTableView;

namespace lieq::ui {

// The view of a flat table (a ui::TableModel) as the Layers, Runs and History panels show it:
// whole rows selected (`mode`: single or extended), no row numbers.
QTableView *newRowTableView(QAbstractItemModel *model, QAbstractItemView::SelectionMode mode,
                            QWidget *parent);

// The rows selected in `view`, ascending.
QList<int> selectedRowNumbers(const QTableView *view);

} // namespace lieq::ui
