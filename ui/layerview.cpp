#include "ui/layerview.h"
#include "ui/retranslator.h"

#include "ui/correlationview.h"
#include "ui/layerchart.h"
#include "ui/layermetricsmodel.h"
#include "ui/rowtableview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QScrollBar>
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
    m_texts.set(this, &QWidget::setWindowTitle, QT_TR_NOOP("Layers"));
    m_modeLabel = m_texts.text(new QLabel(this), QT_TR_NOOP("Spectral metrics:"));
    m_mode = new QComboBox(this);
    m_texts.item(m_mode, QT_TR_NOOP("Layer mean"));
    m_texts.item(m_mode, QT_TR_NOOP("Per projection"));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("layerStatus"));
    m_logDppl = m_texts.text(new QCheckBox(this), QT_TR_NOOP("Log ΔPPL axis"));
    m_texts.set(m_logDppl, &QWidget::setToolTip,
                QT_TR_NOOP("A logarithmic axis for ΔPPL, so one outlier layer does not flatten the others"));
    bar->addWidget(m_modeLabel);
    bar->addWidget(m_mode);
    bar->addWidget(m_logDppl);
    bar->addSpacing(16);
    bar->addWidget(m_status, 1);
    m_analyze = m_texts.text(new QPushButton(this), QT_TR_NOOP("Run analysis (F5)"));
    m_analyze->setShortcut(Qt::Key_F5);
    m_cancel = m_texts.text(new QPushButton(this), QT_TR_NOOP("Cancel"));
    bar->addWidget(m_analyze);
    bar->addWidget(m_cancel);
    connect(m_analyze, &QPushButton::clicked, this, &LayerView::analyzeRequested);
    connect(m_cancel, &QPushButton::clicked, this, &LayerView::cancelRequested);
    outer->addLayout(bar);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    m_table = newRowTableView(m_model, QAbstractItemView::SingleSelection, splitter);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    // Wide enough for every column: recomputed (after the event that changed values, once the
    // table has taken them) whenever the model changes, and kept whole in the splitter.
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] { scheduleFit(); });
    connect(m_model, &QAbstractItemModel::layoutChanged, this, [this] { scheduleFit(); });
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] { scheduleFit(); });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] { scheduleFit(); });
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
    const char *titles[] = {QT_TR_NOOP("ΔPPL (layer removed)"), QT_TR_NOOP("Compactness dr"),
                            QT_TR_NOOP("Top-k energy ΔE")};
    for (int i = 0; i < 3; ++i) {
        m_charts[i] =
            m_texts.set(new LayerChart(m_model, metrics[i], charts), &LayerChart::setTitle, titles[i]);
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
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setCollapsible(0, false);
    outer->addWidget(splitter, 1);
    connect(m_logDppl, &QCheckBox::toggled, m_charts[0], &LayerChart::setLogScale);

    connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int i) {
        // dPPL is a per-layer quantity; the toggle applies to the spectral metrics.
        for (int c = 1; c < 3; ++c)
            m_charts[c]->setMode(i == 1 ? LayerChart::Mode::PerProjection : LayerChart::Mode::LayerMean);
    });
    Retranslator::attach(this, [this] { retranslate(); });
    updateButtons();
    fitTableWidth();
}

void LayerView::scheduleFit()
{
    if (m_fitPending)
        return;
    m_fitPending = true;
    QMetaObject::invokeMethod(this, [this] { fitTableWidth(); }, Qt::QueuedConnection);
}

void LayerView::fitTableWidth()
{
    m_fitPending = false;
    // Sections sized to the contents now (not at the next layout), then their sum.
    m_table->resizeColumnsToContents();
    int width = 2 * m_table->frameWidth() + m_table->verticalScrollBar()->sizeHint().width();
    for (int c = 0; c < m_model->columnCount(); ++c)
        width += m_table->horizontalHeader()->sectionSize(c);
    m_table->setMinimumWidth(width);
}

void LayerView::setStatusText(const QString &text) { m_status->setText(text); }

void LayerView::setAnalysisRunning(bool running)
{
    m_running = running;
    updateButtons();
}

void LayerView::setModelOpen(bool open)
{
    m_modelOpen = open;
    updateButtons();
}

void LayerView::updateButtons()
{
    m_analyze->setEnabled(m_modelOpen && !m_running);
    m_cancel->setEnabled(m_running);
    m_analyze->setToolTip(m_modelOpen ? tr("Layer diagnostics on the calibration data (Settings)")
                                      : tr("Open a model first"));
}

void LayerView::retranslate()
{
    m_texts.apply();
    for (auto *c : m_charts)
        c->refresh();
    updateButtons();
}

} // namespace lieq::ui
