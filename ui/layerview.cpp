#include "ui/layerview.h"

#include "ui/correlationview.h"
#include "ui/layerchart.h"
#include "ui/layermetricsmodel.h"

#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace lieq::ui {

LayerView::LayerView(LayerMetricsModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    auto *outer = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_modeLabel = new QLabel(this);
    m_mode = new QComboBox(this);
    m_mode->addItem(QString());
    m_mode->addItem(QString());
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("layerStatus"));
    bar->addWidget(m_modeLabel);
    bar->addWidget(m_mode);
    bar->addSpacing(16);
    bar->addWidget(m_status, 1);
    m_analyze = new QPushButton(this);
    m_analyze->setShortcut(Qt::Key_F5);
    m_cancel = new QPushButton(this);
    m_cancel->setEnabled(false);
    bar->addWidget(m_analyze);
    bar->addWidget(m_cancel);
    connect(m_analyze, &QPushButton::clicked, this, &LayerView::analyzeRequested);
    connect(m_cancel, &QPushButton::clicked, this, &LayerView::cancelRequested);
    outer->addLayout(bar);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    m_table = new QTableView(splitter);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setMinimumWidth(330);
    connect(m_table, &QTableView::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex idx = m_table->indexAt(pos);
        if (idx.isValid())
            Q_EMIT pinRequested(idx.row());
    });
    connect(m_table, &QTableView::doubleClicked, this,
            [this](const QModelIndex &idx) { Q_EMIT pinRequested(idx.row()); });

    auto *charts = new QWidget(splitter);
    auto *grid = new QGridLayout(charts);
    grid->setContentsMargins(0, 0, 0, 0);
    const char *metrics[] = {"dppl", "dr", "dE"};
    for (int i = 0; i < 3; ++i) {
        m_charts[i] = new LayerChart(m_model, metrics[i], charts);
        connect(m_charts[i], &LayerChart::layerClicked, this, [this](int layer) {
            m_table->selectRow(layer);
            Q_EMIT pinRequested(layer);
        });
    }
    m_correlation = new CorrelationView(m_model, charts);
    grid->addWidget(m_charts[0], 0, 0);
    grid->addWidget(m_charts[1], 0, 1);
    grid->addWidget(m_charts[2], 1, 0);
    grid->addWidget(m_correlation, 1, 1);
    splitter->addWidget(m_table);
    splitter->addWidget(charts);
    splitter->setStretchFactor(1, 1);
    outer->addWidget(splitter, 1);

    connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int i) {
        // dPPL is a per-layer quantity; the toggle applies to the spectral metrics.
        for (int c = 1; c < 3; ++c)
            m_charts[c]->setMode(i == 1 ? LayerChart::Mode::PerProjection : LayerChart::Mode::LayerMean);
    });
    retranslate();
}

void LayerView::setStatusText(const QString &text) { m_status->setText(text); }

void LayerView::setAnalysisRunning(bool running)
{
    m_analyze->setEnabled(!running);
    m_cancel->setEnabled(running);
}

void LayerView::retranslate()
{
    setWindowTitle(tr("Layers"));
    m_analyze->setText(tr("Run analysis (F5)"));
    m_cancel->setText(tr("Cancel"));
    m_modeLabel->setText(tr("Spectral metrics:"));
    m_mode->setItemText(0, tr("Layer mean"));
    m_mode->setItemText(1, tr("Per projection"));
    m_charts[0]->setTitle(tr("ΔPPL (layer removed)"));
    m_charts[1]->setTitle(tr("Compactness dr"));
    m_charts[2]->setTitle(tr("Top-k energy ΔE"));
    for (auto *c : m_charts)
        c->refresh();
}

void LayerView::changeEvent(QEvent *e)
{
    if (e->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(e);
}

} // namespace lieq::ui
