#include "ui/sweepspanel.h"

#include "ui/jobrunner.h"
#include "ui/sweepchart.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace lieq::ui {

namespace {

const QString kListKey = QStringLiteral("sweeps");
const QString kViewKey = QStringLiteral("sweep-view");

QString number(double v, int decimals)
{
    return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("-");
}

} // namespace

SweepsPanel::SweepsPanel(JobRunner *jobs, QWidget *parent) : StorePanel(jobs, parent)
{
    m_sweeps = new QComboBox(this);
    m_sweeps->setObjectName(QStringLiteral("sweepList"));
    m_sweeps->setMinimumContentsLength(24);
    m_metric = new QComboBox(this);
    m_metric->setObjectName(QStringLiteral("sweepMetric"));
    m_metric->addItem(tr("KL from FP16"));
    m_metric->addItem(tr("Perplexity"));
    m_refresh = new QPushButton(tr("Refresh"), this);
    m_new = new QPushButton(tr("New sweep..."), this);
    m_new->setObjectName(QStringLiteral("newSweep"));
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Sweep"), this));
    bar->addWidget(m_sweeps, 1);
    bar->addWidget(m_metric);
    bar->addWidget(m_refresh);
    bar->addWidget(m_new);
    m_info = new QLabel(this);
    m_info->setWordWrap(true);
    m_cells = new QTableWidget(0, 7, this);
    m_cells->setObjectName(QStringLiteral("sweepCells"));
    m_cells->setHorizontalHeaderLabels({tr("Cell"), tr("Plan"), tr("Backend"), tr("State"),
                                        tr("Bits"), tr("PPL"), tr("KL")});
    m_cells->horizontalHeader()->setStretchLastSection(true);
    m_cells->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_cells->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_chart = new SweepChart(this);
    m_chart->setObjectName(QStringLiteral("sweepChart"));
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_cells);
    split->addWidget(m_chart);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_info);
    layout->addWidget(split, 1);

    connect(m_refresh, &QPushButton::clicked, this, &SweepsPanel::refresh);
    connect(m_new, &QPushButton::clicked, this, &SweepsPanel::newSweepRequested);
    connect(m_sweeps, &QComboBox::activated, this, [this](int i) {
        showSweep(m_sweeps->itemData(i).toLongLong());
    });
    connect(m_metric, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_chart->setMetric(i == 0 ? SweepChart::Metric::Kl : SweepChart::Metric::Perplexity);
    });
    // A store that cannot be read (newer schema, not a store) is said, not silently empty.
    for (const QString &key : {kListKey, kViewKey})
        m_jobs->watchKey(
            key, this,
            [this](const QString &m) {
                m_info->setText(m);
                Q_EMIT sweepsFailed(m);
            },
            [] {});
}

void SweepsPanel::storeChanged() { m_shown = -1; }

void SweepsPanel::refresh()
{
    const QString store = storePath();
    m_jobs->start<std::vector<store::SweepRecord>>(
        kListKey,
        [store](const ProgressFn &) { return jobs::listSweeps(jobContext(store)); },
        [this](std::vector<store::SweepRecord> sweeps) {
            m_sweeps->clear();
            for (const auto &s : sweeps)
                m_sweeps->addItem(QString::fromStdString(s.name) + QStringLiteral("  (") +
                                      QString::fromStdString(s.folder) + QLatin1Char(')'),
                                  QVariant::fromValue<qint64>(s.id));
            Q_EMIT sweepsAvailable(static_cast<int>(sweeps.size()));
            if (sweeps.empty()) {
                m_info->setText(tr("No sweep collected yet: run one with New sweep... or "
                                   "`lieq sweep SPEC`, then `lieq sweep collect DIR`."));
                return;
            }
            const int keep = m_sweeps->findData(QVariant::fromValue<qint64>(m_shown));
            m_sweeps->setCurrentIndex(keep >= 0 ? keep : 0);
            showSweep(m_sweeps->currentData().toLongLong());
        });
}

void SweepsPanel::showSweep(qint64 sweepId)
{
    const QString store = storePath();
    m_jobs->start<jobs::SweepView>(
        kViewKey,
        [store, sweepId](const ProgressFn &) { return jobs::loadSweep(jobContext(store), sweepId); },
        [this, sweepId](jobs::SweepView view) {
            m_shown = sweepId;
            fillCells(view);
            m_chart->setSweep(view);
            Q_EMIT sweepShown(sweepId, static_cast<int>(view.points.size()));
        });
}

void SweepsPanel::fillCells(const jobs::SweepView &view)
{
    m_cells->setRowCount(static_cast<int>(view.points.size()));
    int done = 0, failed = 0;
    for (int r = 0; r < static_cast<int>(view.points.size()); ++r) {
        const jobs::SweepPoint &p = view.points[static_cast<std::size_t>(r)];
        done += p.status == "done";
        failed += p.status == "failed";
        const QStringList cols{QString::number(p.cell), QString::fromStdString(p.plan),
                               QString::fromStdString(p.backend), QString::fromStdString(p.status),
                               number(p.nominalBits, 3), number(p.ppl, 2), number(p.kl, 4)};
        for (int c = 0; c < cols.size(); ++c) {
            auto *item = new QTableWidgetItem(cols[c]);
            item->setToolTip(QString::fromStdString(p.error.empty() ? p.label : p.label + ": " + p.error));
            m_cells->setItem(r, c, item);
        }
    }
    m_info->setText(tr("%1: %2 cells, %3 done, %4 failed; folder %5")
                        .arg(QString::fromStdString(view.sweep.name))
                        .arg(view.points.size())
                        .arg(done)
                        .arg(failed)
                        .arg(QString::fromStdString(view.sweep.folder)));
}

} // namespace lieq::ui
