#pragma once

#include <QAbstractItemView>

class QTableView;

namespace lieq::ui {

// The view of a flat table (a ui::TableModel) as the Layers, Runs and History panels show it:
// whole rows selected (`mode`: single or extended), no row numbers.
QTableView *newRowTableView(QAbstractItemModel *model, QAbstractItemView::SelectionMode mode,
                            QWidget *parent);

} // namespace lieq::ui
