#include "ui/runspanel.h"

#include "core/data/calibration.h"
#include "core/tasks/task_loaders.h"
#include "ui/chartaxes.h"
#include "ui/retranslator.h"
#include "ui/rowtableview.h"
#include "ui/runcomparison.h"
#include "ui/runqueue.h"
#include "ui/runqueuemodel.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QPushButton>
#include <QScatterSeries>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QToolButton>
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
    m_texts.set(this, &QWidget::setWindowTitle, QT_TR_NOOP("Runs"));
    m_backendLabel = m_texts.text(new QLabel(this), QT_TR_NOOP("Backend:"));
    m_backend = new QComboBox(this);
    m_backend->addItems({QStringLiteral("rtn"), QStringLiteral("gptq"), QStringLiteral("awq")});
    m_groupLabel = m_texts.text(new QLabel(this), QT_TR_NOOP("Group:"));
    m_group = m_texts.set(new QSpinBox(this), &QSpinBox::setSpecialValueText, QT_TR_NOOP("per row"));
    m_group->setRange(-1, 4096);
    m_group->setValue(128);
    m_sym = m_texts.text(new QCheckBox(this), QT_TR_NOOP("Symmetric"));
    m_actOrder = m_texts.text(new QCheckBox(this), QT_TR_NOOP("Act-order"));
    m_calibLabel = m_texts.text(new QLabel(this), QT_TR_NOOP("Calibration samples:"));
    m_calib = new QSpinBox(this);
    m_calib->setRange(1, 4096);
    m_calib->setValue(int(kDefaultCalibrationSamples));
    m_tasksButton = new QToolButton(this);
    m_tasksButton->setPopupMode(QToolButton::InstantPopup);
    m_tasksMenu = new QMenu(m_tasksButton);
    for (const std::string &t : lieq::zeroShotTaskNames()) {
        QAction *a = m_tasksMenu->addAction(QString::fromStdString(t));
        a->setCheckable(true);
        a->setData(QString::fromStdString(t));
        connect(a, &QAction::toggled, this, &RunsPanel::retranslate);
    }
    m_tasksButton->setMenu(m_tasksMenu);
    m_limitLabel = m_texts.text(new QLabel(this), QT_TR_NOOP("Items per task:"));
    m_taskLimit = m_texts.set(new QSpinBox(this), &QSpinBox::setSpecialValueText, QT_TR_NOOP("all"));
    m_taskLimit->setRange(0, 100000);
    m_taskLimit->setValue(100); // bounded: a full task set takes long on a CPU
    m_save = m_texts.text(new QCheckBox(this), QT_TR_NOOP("Save checkpoint"));
    m_texts.set(m_save, &QWidget::setToolTip,
                QT_TR_NOOP("Write the quantized model as a checkpoint folder (it can then be exported)"));
    m_quantize = m_texts.text(new QPushButton(this), QT_TR_NOOP("Queue quantization"));
    m_evaluate = m_texts.text(new QPushButton(this), QT_TR_NOOP("Queue FP16 evaluation"));
    m_cancel = m_texts.text(new QPushButton(this), QT_TR_NOOP("Cancel"));
    m_compareButton = m_texts.text(new QPushButton(this), QT_TR_NOOP("Compare selected"));
    m_texts.set(m_compareButton, &QWidget::setToolTip, QT_TR_NOOP("Select two runs to see them side by side"));
    for (QWidget *w : std::initializer_list<QWidget *>{m_backendLabel, m_backend, m_groupLabel, m_group, m_sym,
                                                       m_actOrder, m_calibLabel, m_calib, m_tasksButton,
                                                       m_limitLabel, m_taskLimit, m_save})
        bar->addWidget(w);
    bar->addStretch(1);
    outer->addLayout(bar);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_quantize);
    buttons->addWidget(m_evaluate);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    buttons->addWidget(m_compareButton);
    outer->addLayout(buttons);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    m_table = newRowTableView(m_model, QAbstractItemView::ExtendedSelection, splitter);
    // Sized when rows come and go, not on every progress tick (ResizeToContents would
    // measure every cell of the table on each update).
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(true);
    auto *bottom = new QSplitter(Qt::Horizontal, splitter);
    m_chart = new QChartView(bottom);
    m_chart->setObjectName(QStringLiteral("pplChart"));
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumHeight(220);
    m_compare = m_texts.set(new QTextBrowser(bottom), &QTextEdit::setPlaceholderText,
                            QT_TR_NOOP("Select two runs and press Compare selected."));
    m_compare->setObjectName(QStringLiteral("runComparison"));
    bottom->addWidget(m_chart);
    bottom->addWidget(m_compare);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    splitter->addWidget(m_table);
    splitter->addWidget(bottom);
    outer->addWidget(splitter, 1);

    connect(m_quantize, &QPushButton::clicked, this, &RunsPanel::quantizeRequested);
    connect(m_evaluate, &QPushButton::clicked, this, &RunsPanel::evaluateRequested);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        for (int row : selectedRows()) {
            const auto &e = m_model->at(row);
            if (e.status == RunQueueModel::Status::Running || e.status == RunQueueModel::Status::Queued) {
                m_queue->cancel(e.id);
                return;
            }
        }
        if (m_queue->runningRun())
            m_queue->cancel(m_queue->runningRun());
    });
    connect(m_compareButton, &QPushButton::clicked, this, [this] {
        const auto rows = selectedRows();
        if (rows.size() == 2)
            compare(rows[0], rows[1]);
    });
    connect(m_model, &RunQueueModel::resultsChanged, this, &RunsPanel::refreshChart);
    connect(m_queue, &RunQueue::idle, this, &RunsPanel::updateButtons); // the last run ended
    connect(m_model, &QAbstractItemModel::dataChanged, this, &RunsPanel::updateButtons);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] {
        updateButtons();
        m_table->resizeColumnsToContents();
    });
    connect(m_model, &RunQueueModel::resultsChanged, m_table, &QTableView::resizeColumnsToContents);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsPanel::updateButtons);
    Retranslator::attach(this, [this] { retranslate(); });
    refreshChart();
    updateButtons();
}

QString RunsPanel::backend() const { return m_backend->currentText(); }
int RunsPanel::groupSize() const { return m_group->value(); }
bool RunsPanel::symmetric() const { return m_sym->isChecked(); }
bool RunsPanel::actOrder() const { return m_actOrder->isChecked(); }
int RunsPanel::calibrationSamples() const { return m_calib->value(); }
int RunsPanel::taskLimit() const { return m_taskLimit->value(); }
void RunsPanel::setTaskLimit(int items) { m_taskLimit->setValue(items); }
bool RunsPanel::saveCheckpoint() const { return m_save->isChecked(); }

std::vector<std::string> RunsPanel::tasks() const
{
    std::vector<std::string> out;
    for (QAction *a : m_tasksMenu->actions())
        if (a->isChecked() && a->isEnabled())
            out.push_back(a->data().toString().toStdString());
    return out;
}

void RunsPanel::setTasks(const std::vector<std::string> &tasks)
{
    for (QAction *a : m_tasksMenu->actions())
        a->setChecked(std::find(tasks.begin(), tasks.end(), a->data().toString().toStdString()) != tasks.end());
}

void RunsPanel::setModelOpen(bool open)
{
    m_modelOpen = open;
    updateButtons();
}

void RunsPanel::setTaskData(const QString &folder, const std::vector<jobs::TaskDataStatus> &status)
{
    m_taskFolder = folder;
    m_taskStatus = status;
    retranslate();
}

bool RunsPanel::anyTaskData() const
{
    return std::any_of(m_taskStatus.begin(), m_taskStatus.end(),
                       [](const jobs::TaskDataStatus &s) { return s.missing.empty(); });
}

QList<int> RunsPanel::selectedRows() const
{
    return selectedRowNumbers(m_table);
}

void RunsPanel::selectRow(int row)
{
    if (row >= 0 && row < m_model->rowCount()) {
        m_table->selectRow(row);
        m_table->scrollTo(m_model->index(row, 0));
    }
}

void RunsPanel::compare(int rowA, int rowB)
{
    const QString html = RunComparison::html(*m_model, rowA, rowB);
    if (html.isEmpty())
        return;
    m_compare->setHtml(html);
    Q_EMIT comparisonShown(html);
}

void RunsPanel::updateButtons()
{
    m_cancel->setEnabled(m_queue->runningRun() != 0 || m_model->nextQueued() != 0);
    m_compareButton->setEnabled(selectedRows().size() == 2);
    m_quantize->setEnabled(m_modelOpen);
    m_evaluate->setEnabled(m_modelOpen);
    m_quantize->setToolTip(m_modelOpen ? tr("Quantize with the current plan, then evaluate")
                                       : tr("Open a model first"));
    m_evaluate->setToolTip(m_modelOpen ? tr("Evaluate the unquantized model: the baseline of \"% of FP16\"")
                                       : tr("Open a model first"));
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
    clearChart(c);
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
    setChartAxes(c, x, y);
}

void RunsPanel::retranslate()
{
    m_texts.apply();
    m_calib->setToolTip(tr("Calibration windows of %1 tokens from the calibration data (Settings)")
                            .arg(kDefaultCalibrationSeqlen));
    int ticked = 0;
    QStringList missingTasks;
    for (QAction *a : m_tasksMenu->actions()) {
        const std::string task = a->data().toString().toStdString();
        const auto it = std::find_if(m_taskStatus.begin(), m_taskStatus.end(),
                                     [&](const jobs::TaskDataStatus &s) { return s.task == task; });
        const bool present = it != m_taskStatus.end() && it->missing.empty();
        a->setEnabled(present);
        QStringList files;
        if (it != m_taskStatus.end())
            for (const std::string &f : it->missing)
                files << QString::fromStdString(f);
        a->setToolTip(present ? QString() : tr("Missing: %1").arg(files.join(QStringLiteral(", "))));
        if (!present)
            missingTasks << a->data().toString();
        ticked += a->isChecked() && present ? 1 : 0;
    }
    m_tasksMenu->setToolTipsVisible(true);
    const bool any = anyTaskData();
    m_tasksButton->setEnabled(any);
    m_tasksButton->setText(any && ticked ? tr("Tasks (%1)").arg(ticked) : tr("Tasks"));
    if (m_taskFolder.isEmpty())
        m_tasksButton->setToolTip(tr("No task data folder: choose one in Settings > Task data folder "
                                     "(README.md, \"Task data\", lists the files and their sources)"));
    else if (!any)
        m_tasksButton->setToolTip(tr("%1 holds none of the task files (piqa/valid.jsonl, arc/, "
                                     "hellaswag/, winogrande/dev.jsonl, boolq/dev.jsonl): choose the task "
                                     "data folder in Settings")
                                      .arg(m_taskFolder));
    else if (!missingTasks.isEmpty())
        m_tasksButton->setToolTip(tr("Zero-shot tasks scored after the perplexity; not in %1: %2")
                                      .arg(m_taskFolder, missingTasks.join(QStringLiteral(", "))));
    else
        m_tasksButton->setToolTip(tr("Zero-shot tasks scored after the perplexity"));
    updateButtons();
    refreshChart();
}

} // namespace lieq::ui
