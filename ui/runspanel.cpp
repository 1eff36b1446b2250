#include "ui/runspanel.h"

#include "ui/runqueue.h"
#include "ui/runqueuemodel.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QScatterSeries>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lieq::ui {

RunsPanel::RunsPanel(RunQueue *queue, QWidget *parent)
    : QWidget(parent), m_queue(queue), m_model(queue->model())
{
    auto *outer = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_backendLabel = new QLabel(this);
    m_backend = new QComboBox(this);
    m_backend->addItems({QStringLiteral("rtn"), QStringLiteral("gptq"), QStringLiteral("awq")});
    m_groupLabel = new QLabel(this);
    m_group = new QSpinBox(this);
    m_group->setRange(-1, 4096);
    m_group->setValue(128);
    m_sym = new QCheckBox(this);
    m_actOrder = new QCheckBox(this);
    m_calibLabel = new QLabel(this);
    m_calib = new QSpinBox(this);
    m_calib->setRange(1, 4096);
    m_calib->setValue(128);
    m_quantize = new QPushButton(this);
    m_evaluate = new QPushButton(this);
    m_cancel = new QPushButton(this);
    for (QWidget *w : std::initializer_list<QWidget *>{m_backendLabel, m_backend, m_groupLabel, m_group, m_sym,
                                                       m_actOrder, m_calibLabel, m_calib})
        bar->addWidget(w);
    bar->addStretch(1);
    bar->addWidget(m_quantize);
    bar->addWidget(m_evaluate);
    bar->addWidget(m_cancel);
    outer->addLayout(bar);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    m_table = new QTableView(splitter);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_chart = new QChartView(splitter);
    m_chart->setObjectName(QStringLiteral("pplChart"));
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumHeight(220);
    splitter->addWidget(m_table);
    splitter->addWidget(m_chart);
    outer->addWidget(splitter, 1);

    connect(m_quantize, &QPushButton::clicked, this, &RunsPanel::quantizeRequested);
    connect(m_evaluate, &QPushButton::clicked, this, &RunsPanel::evaluateRequested);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        const QModelIndexList rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            m_queue->cancel(m_model->data(rows.first(), Qt::UserRole).toInt());
        else if (m_queue->runningRun())
            m_queue->cancel(m_queue->runningRun());
    });
    connect(m_model, &RunQueueModel::resultsChanged, this, &RunsPanel::refreshChart);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &RunsPanel::updateButtons);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &RunsPanel::updateButtons);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsPanel::updateButtons);
    retranslate();
    refreshChart();
    updateButtons();
}

QString RunsPanel::backend() const { return m_backend->currentText(); }
int RunsPanel::groupSize() const { return m_group->value(); }
bool RunsPanel::symmetric() const { return m_sym->isChecked(); }
bool RunsPanel::actOrder() const { return m_actOrder->isChecked(); }
int RunsPanel::calibrationSamples() const { return m_calib->value(); }

void RunsPanel::updateButtons()
{
    m_cancel->setEnabled(m_queue->runningRun() != 0 || m_model->nextQueued() != 0);
    const bool quant = m_queue->hasExecutor(RunRequest::Kind::Quantize);
    m_quantize->setEnabled(quant);
    m_quantize->setToolTip(quant ? tr("Quantize with the current plan, then evaluate")
                                 : tr("The quantization pipeline is not in this build yet"));
}

int RunsPanel::chartPointCount() const
{
    int n = 0;
    for (auto *s : m_chart->chart()->series())
        if (s->name() != tr("Pareto front"))
            n += static_cast<QXYSeries *>(s)->count();
    return n;
}

int RunsPanel::paretoPointCount() const
{
    for (auto *s : m_chart->chart()->series())
        if (s->name() == tr("Pareto front"))
            return static_cast<QXYSeries *>(s)->count();
    return 0;
}

void RunsPanel::refreshChart()
{
    QChart *c = m_chart->chart();
    c->removeAllSeries();
    for (QAbstractAxis *a : c->axes())
        c->removeAxis(a);
    c->setTitle(tr("Perplexity vs effective bits"));
    std::map<std::string, QScatterSeries *> byBackend;
    double xmin = 16, xmax = 2, ymin = 0, ymax = 1;
    bool any = false;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const auto &e = m_model->at(r);
        if (e.status != RunQueueModel::Status::Done || !std::isfinite(e.result.ppl))
            continue;
        auto *&s = byBackend[e.request.backend];
        if (!s) {
            s = new QScatterSeries;
            s->setName(QString::fromStdString(e.request.backend));
            s->setMarkerSize(10);
        }
        s->append(e.result.effectiveBits, e.result.ppl);
        ymin = any ? std::min(ymin, e.result.ppl) : e.result.ppl;
        ymax = any ? std::max(ymax, e.result.ppl) : e.result.ppl;
        xmin = std::min(xmin, e.result.effectiveBits);
        xmax = std::max(xmax, e.result.effectiveBits);
        any = true;
    }
    for (auto &[name, s] : byBackend)
        c->addSeries(s);
    auto *front = new QLineSeries;
    front->setName(tr("Pareto front"));
    QPen pen(QColor(0xc0, 0x39, 0x2b));
    pen.setWidth(2);
    pen.setStyle(Qt::DashLine);
    front->setPen(pen);
    front->setPointsVisible(true);
    std::vector<QPointF> pts;
    for (int r : m_model->paretoRows())
        pts.emplace_back(m_model->at(r).result.effectiveBits, m_model->at(r).result.ppl);
    std::sort(pts.begin(), pts.end(), [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); });
    for (const QPointF &p : pts)
        front->append(p);
    c->addSeries(front);
    auto *x = new QValueAxis;
    x->setTitleText(tr("effective bits"));
    x->setRange(any ? std::max(0.0, xmin - 0.5) : 2, any ? xmax + 0.5 : 16);
    auto *y = new QValueAxis;
    y->setTitleText(tr("PPL"));
    const double pad = any ? std::max(0.05 * (ymax - ymin), 0.05 * ymax) : 0;
    y->setRange(any ? std::max(0.0, ymin - pad) : 0, any ? ymax + pad : 10);
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    for (auto *s : c->series()) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
}

void RunsPanel::retranslate()
{
    setWindowTitle(tr("Runs"));
    m_backendLabel->setText(tr("Backend:"));
    m_groupLabel->setText(tr("Group:"));
    m_group->setSpecialValueText(tr("per row"));
    m_sym->setText(tr("Symmetric"));
    m_actOrder->setText(tr("Act-order"));
    m_calibLabel->setText(tr("Calibration samples:"));
    m_quantize->setText(tr("Queue quantization"));
    m_evaluate->setText(tr("Queue FP16 evaluation"));
    m_cancel->setText(tr("Cancel"));
    updateButtons();
    refreshChart();
}

void RunsPanel::changeEvent(QEvent *e)
{
    if (e->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(e);
}

} // namespace lieq::ui
