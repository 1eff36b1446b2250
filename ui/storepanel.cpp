#include "ui/storepanel.h"

namespace lieq::ui {

StorePanel::StorePanel(JobRunner *jobs, QWidget *parent) : QWidget(parent), m_jobs(jobs) {}

void StorePanel::setStorePath(const QString &path)
{
    m_storePath = path;
    storeChanged();
    refresh();
}

} // namespace lieq::ui
