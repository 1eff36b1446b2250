#include "ui/historypanel.h"

#include "core/jobs/export_job.h"
#include "core/jobs/import_job.h"
#include "core/jobs/run_history.h"
#include "core/jobs/sweep_job.h"
#include "ui/bundle/bundle_import.h"
#include "ui/exportlist.h"
#include "ui/historymodel.h"
#include "ui/jobrunner.h"
#include "ui/retranslator.h"
#include "ui/rowtableview.h"
#include "ui/runexportdialog.h"
#include "ui/storedquantrun.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <cmath>
#include <map>
#include <optional>
#include <memory>
#include <utility>
#include <variant>

namespace lieq::ui {

namespace {
// A page of runs with their sweep cells, and the sweeps to filter by.
struct HistoryPage
{
    jobs::SweepRunPage runs;
    std::vector<store::SweepRecord> sweeps;
};

// One side of a comparison, loaded in a worker thread.
using RunDetail = std::variant<store::AnalysisRunDetail, StoredQuantRun>;

jobs::JobContext historyContext(const QString &storePath)
{
    jobs::JobContext c;
    c.store.path = storePath.toStdString();
    return c;
}

RunDetail loadDetail(const QString &storePath, const store::RunSummary &r)
{
    if (r.kind == store::RunKind::Analysis)
        return jobs::loadAnalysisRun(historyContext(storePath), r.id);
    return StoredQuantRun::load(storePath, r.id);
}

QString num(double v, int prec = 4)
{
    return std::isfinite(v) ? QString::number(v, 'f', prec) : QStringLiteral("—");
}

// "metric -> value per layer" of an analysis, or bits per layer of a quant run's plan.
std::map<QString, std::map<int, double>> perLayer(const RunDetail &d)
{
    std::map<QString, std::map<int, double>> out;
    if (const auto *a = std::get_if<store::AnalysisRunDetail>(&d)) {
        for (const auto &m : a->layers)
            out[QString::fromStdString(m.metric)][m.layer] = m.value;
    }
    return out;
}

QString header(const RunDetail &d)
{
    if (const auto *a = std::get_if<store::AnalysisRunDetail>(&d))
        return QStringLiteral("%1 #%2 — %3 (%4)")
            .arg(HistoryPanel::tr("analysis"))
            .arg(a->run.id)
            .arg(QString::fromStdString(a->model.name), QString::fromStdString(a->run.backend));
    const auto &q = std::get<StoredQuantRun>(d).stored.detail;
    return QStringLiteral("%1 #%2 — %3, %4 b (%5)")
        .arg(HistoryPanel::tr("quantization"))
        .arg(q.run.id)
        .arg(QString::fromStdString(q.run.method), num(q.plan.nominalBits, 3), QString::fromStdString(q.plan.name));
}

QString comparisonHtml(const RunDetail &a, const RunDetail &b)
{
    QString html = QStringLiteral("<table border=1 cellspacing=0 cellpadding=3><tr><th></th><th>") +
                   header(a) + QStringLiteral("</th><th>") + header(b) + QStringLiteral("</th></tr>");
    const auto la = perLayer(a), lb = perLayer(b);
    std::map<QString, bool> metrics;
    for (const auto &[m, v] : la)
        metrics[m] = true;
    for (const auto &[m, v] : lb)
        metrics[m] = true;
    for (const auto &[m, unused] : metrics) {
        std::map<int, bool> layers;
        const auto ia = la.find(m), ib = lb.find(m);
        if (ia != la.end())
            for (const auto &[l, v] : ia->second)
                layers[l] = true;
        if (ib != lb.end())
            for (const auto &[l, v] : ib->second)
                layers[l] = true;
        for (const auto &[l, u] : layers) {
            auto get = [&](auto it, const auto &map) {
                if (it == map.end())
                    return QStringLiteral("—");
                const auto f = it->second.find(l);
                return f == it->second.end() ? QStringLiteral("—") : num(f->second);
            };
            html += QStringLiteral("<tr><td>%1 %2</td><td align=right>%3</td><td align=right>%4</td></tr>")
                        .arg(m)
                        .arg(l)
                        .arg(get(ia, la), get(ib, lb));
        }
    }
    auto quantRows = [](const RunDetail &d, const QString &what) -> QString {
        const auto *s = std::get_if<StoredQuantRun>(&d);
        if (!s)
            return QStringLiteral("—");
        const store::QuantRunDetail *q = &s->stored.detail;
        if (what == QLatin1StringView("bits"))
            return num(q->plan.nominalBits, 3);
        if (what == QLatin1StringView("eff"))
            return num(s->result.effectiveBits, 3);
        if (what == QLatin1StringView("time"))
            return num(q->run.wallSeconds, 1);
        if (what == QLatin1StringView("ppl"))
            return num(s->result.ppl, 3);
        if (what == QLatin1StringView("settings"))
            return QStringLiteral("g%1%2%3, %4×%5")
                .arg(s->request.groupSize)
                .arg(s->request.symmetric ? QStringLiteral(" sym") : QString())
                .arg(s->request.actOrder ? QStringLiteral(" act-order") : QString())
                .arg(s->request.calibrationSamples)
                .arg(s->request.seqlen);
        if (what.startsWith(QLatin1StringView("task:"))) {
            const auto it = s->result.taskAccuracy.find(what.mid(5).toStdString());
            return it == s->result.taskAccuracy.end() ? QStringLiteral("—")
                                                       : QString(num(100.0 * it->second, 1) + QStringLiteral("%"));
        }
        return QString::fromStdString(q->plan.bitsJson);
    };
    std::vector<std::pair<QString, QString>> rows = {
        {QStringLiteral("bits"), HistoryPanel::tr("nominal bits")},
        {QStringLiteral("eff"), HistoryPanel::tr("effective bits")},
        {QStringLiteral("plan"), HistoryPanel::tr("bits per layer")},
        {QStringLiteral("settings"), HistoryPanel::tr("settings")},
        {QStringLiteral("ppl"), HistoryPanel::tr("perplexity")},
        {QStringLiteral("time"), HistoryPanel::tr("wall time (s)")}};
    std::map<std::string, bool> tasks;
    for (const RunDetail *d : {&a, &b})
        if (const auto *s = std::get_if<StoredQuantRun>(d))
            for (const auto &[t, v] : s->result.taskAccuracy)
                tasks[t] = true;
    for (const auto &[t, unused] : tasks)
        rows.emplace_back(QStringLiteral("task:") + QString::fromStdString(t),
                          HistoryPanel::tr("%1 acc").arg(QString::fromStdString(t)));
    for (const auto &[key, label] : rows)
        html += QStringLiteral("<tr><td>") + label + QStringLiteral("</td><td>") + quantRows(a, key) +
                QStringLiteral("</td><td>") + quantRows(b, key) + QStringLiteral("</td></tr>");
    return html + QStringLiteral("</table>");
}
} // namespace

HistoryPanel::HistoryPanel(JobRunner *jobs, QWidget *parent) : StorePanel(jobs, parent)
{
    qRegisterMetaType<lieq::store::AnalysisRunDetail>();
    qRegisterMetaType<lieq::ui::StoredQuantRun>();
    m_model = new HistoryModel(this);
    auto *outer = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_texts.set(this, &QWidget::setWindowTitle, QT_TR_NOOP("History"));
    m_modelFilter = m_texts.set(new QLineEdit(this), &QLineEdit::setPlaceholderText,
                                QT_TR_NOOP("Filter by model name, path or fingerprint"));
    m_modelFilter->setClearButtonEnabled(true);
    m_backendFilter = m_texts.set(new QLineEdit(this), &QLineEdit::setPlaceholderText, QT_TR_NOOP("Backend"));
    m_backendFilter->setClearButtonEnabled(true);
    m_backendFilter->setMaximumWidth(120);
    m_kind = new QComboBox(this);
    for (const char *kind : {QT_TR_NOOP("All runs"), QT_TR_NOOP("Analysis"), QT_TR_NOOP("Quantization")})
        m_texts.item(m_kind, kind);
    m_sweep = m_texts.set(new QComboBox(this), &QWidget::setToolTip,
                          QT_TR_NOOP("Only the quantization runs of one collected sweep"));
    m_texts.item(m_sweep, QT_TR_NOOP("All sweeps"), QVariant::fromValue<qint64>(-1));
    m_sweep->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_refresh = m_texts.text(new QPushButton(this), QT_TR_NOOP("Refresh"));
    m_reopen = m_texts.text(new QPushButton(this), QT_TR_NOOP("Reopen"));
    m_compareButton = m_texts.text(new QPushButton(this), QT_TR_NOOP("Compare"));
    m_delete = m_texts.text(new QPushButton(this), QT_TR_NOOP("Delete"));
    m_exportButton = m_texts.text(new QPushButton(this), QT_TR_NOOP("Export…"));
    m_texts.set(m_exportButton, &QWidget::setToolTip,
                QT_TR_NOOP("GGUF, GPTQ checkpoint, report or bundle of the selected runs"));
    m_importButton = m_texts.text(new QPushButton(this), QT_TR_NOOP("Import…"));
    m_texts.set(m_importButton, &QWidget::setToolTip,
                QT_TR_NOOP("Restore a bundle's runs into this store"));
    m_count = new QLabel(this);
    bar->addWidget(m_modelFilter, 1);
    bar->addWidget(m_backendFilter);
    bar->addWidget(m_kind);
    bar->addWidget(m_sweep);
    bar->addWidget(m_refresh);
    bar->addSpacing(12);
    bar->addWidget(m_reopen);
    bar->addWidget(m_compareButton);
    bar->addWidget(m_delete);
    bar->addWidget(m_exportButton);
    bar->addWidget(m_importButton);
    outer->addLayout(bar);
    auto *split = new QSplitter(Qt::Vertical, this);
    m_table = newRowTableView(m_model, QAbstractItemView::ExtendedSelection, split);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_compare = m_texts.set(new QTextBrowser(split), &QTextEdit::setPlaceholderText,
                                    QT_TR_NOOP("Select two runs and press Compare to see them side by side."));
    split->addWidget(m_table);
    split->addWidget(m_compare);
    outer->addWidget(split, 1);
    outer->addWidget(m_count);

    connect(m_refresh, &QPushButton::clicked, this, &HistoryPanel::refresh);
    connect(m_modelFilter, &QLineEdit::returnPressed, this, &HistoryPanel::refresh);
    connect(m_backendFilter, &QLineEdit::returnPressed, this, &HistoryPanel::refresh);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &HistoryPanel::refresh);
    connect(m_sweep, &QComboBox::currentIndexChanged, this, &HistoryPanel::refresh);
    connect(m_reopen, &QPushButton::clicked, this, [this] {
        const auto rows = selectedRows();
        if (!rows.isEmpty())
            reopen(rows.first());
    });
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &i) { reopen(i.row()); });
    connect(m_compareButton, &QPushButton::clicked, this, [this] {
        const auto rows = selectedRows();
        if (rows.size() == 2)
            compare(rows[0], rows[1]);
    });
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const auto rows = selectedRows();
        if (rows.isEmpty())
            return;
        if (QMessageBox::question(this, tr("Delete run"), tr("Delete the selected run and its results?")) ==
            QMessageBox::Yes)
            remove(rows.first());
    });
    connect(m_exportButton, &QPushButton::clicked, this, [this] {
        if (auto *d = exportRows(selectedRows()))
            d->show();
    });
    connect(m_importButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Import a bundle"), QString(),
                                                          tr("LieQ bundles (*.zip);;All files (*)"));
        if (!path.isEmpty())
            importBundle(path);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const auto rows = selectedRows();
        const int n = int(rows.size());
        m_reopen->setEnabled(n == 1);
        m_delete->setEnabled(n == 1);
        m_compareButton->setEnabled(n == 2);
        m_exportButton->setEnabled(n >= 1);
        if (n == 1)
            showExports(rows.first());
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_reopen->setEnabled(false);
        m_delete->setEnabled(false);
        m_compareButton->setEnabled(false);
        m_exportButton->setEnabled(false);
        showCount();
    });
    Retranslator::attach(this, [this] { retranslate(); });
}

QList<int> HistoryPanel::selectedRows() const
{
    return selectedRowNumbers(m_table);
}

store::RunFilter HistoryPanel::filter() const
{
    store::RunFilter f;
    f.model = m_modelFilter->text().trimmed().toStdString();
    f.backend = m_backendFilter->text().trimmed().toStdString();
    if (m_kind->currentIndex() == 1)
        f.kind = store::RunKind::Analysis;
    else if (m_kind->currentIndex() == 2)
        f.kind = store::RunKind::Quant;
    f.limit = 500;
    return f;
}

void HistoryPanel::refresh()
{
    if (storePath().isEmpty())
        return;
    const QString path = storePath();
    const store::RunFilter f = filter();
    const qint64 sweepId = m_sweep->currentData().toLongLong();
    const auto sweep = sweepId > 0 ? std::optional<std::int64_t>(sweepId) : std::nullopt;
    const JobId id = m_jobs->start<HistoryPage>(
        QStringLiteral("history"),
        [path, f, sweep](const lieq::ProgressFn &) {
            HistoryPage p;
            p.runs = jobs::listRunsInSweep(historyContext(path), f, sweep);
            p.sweeps = jobs::listSweeps(historyContext(path));
            return p;
        },
        [this](HistoryPage p) {
            fillSweepFilter(p.sweeps);
            m_model->setSweeps(std::move(p.runs.memberships));
            m_model->setPage(p.runs.page);
            Q_EMIT historyAvailable(m_model->rowCount());
        });
    reportFailure(id);
}

void HistoryPanel::fillSweepFilter(const std::vector<store::SweepRecord> &sweeps)
{
    // Rebuilt on every refresh (sweeps are collected from the CLI too), keeping the choice.
    const qint64 chosen = m_sweep->currentData().toLongLong();
    const QSignalBlocker quiet(m_sweep);
    while (m_sweep->count() > 1)
        m_sweep->removeItem(1);
    for (const store::SweepRecord &s : sweeps)
        m_sweep->addItem(tr("Sweep %1").arg(QString::fromStdString(s.name)), QVariant::fromValue<qint64>(s.id));
    const int keep = m_sweep->findData(QVariant::fromValue<qint64>(chosen));
    m_sweep->setCurrentIndex(keep >= 0 ? keep : 0);
}

template<typename T>
void HistoryPanel::startOnRun(int row, const QString &key, RunWork<T> work, std::function<void(T)> done)
{
    if (row < 0 || row >= m_model->rowCount())
        return;
    m_jobs->start<T>(
        key, [path = storePath(), r = m_model->at(row), work = std::move(work)](const lieq::ProgressFn &) { return work(path, r); },
        std::move(done));
}

void HistoryPanel::reopen(int row)
{
    startOnRun<RunDetail>(row, QStringLiteral("history-detail"), loadDetail, [this](RunDetail d) {
        if (auto *a = std::get_if<store::AnalysisRunDetail>(&d))
            Q_EMIT analysisReopened(*a);
        else
            Q_EMIT quantRunReopened(std::get<StoredQuantRun>(d));
    });
}

void HistoryPanel::compare(int rowA, int rowB)
{
    if (std::max(rowA, rowB) >= m_model->rowCount() || std::min(rowA, rowB) < 0)
        return;
    const store::RunSummary a = m_model->at(rowA), b = m_model->at(rowB);
    const QString path = storePath();
    m_jobs->start<QString>(
        QStringLiteral("history-compare"),
        [path, a, b](const lieq::ProgressFn &) {
            return comparisonHtml(loadDetail(path, a), loadDetail(path, b));
        },
        [this](QString html) {
            m_compare->setHtml(html);
            Q_EMIT comparisonAvailable(html);
        });
}

void HistoryPanel::remove(int row)
{
    startOnRun<bool>(
        row, QStringLiteral("history-delete"),
        [](const QString &path, const store::RunSummary &r) { return jobs::deleteRun(historyContext(path), r.kind, r.id); },
        [this](bool) { refresh(); });
}

RunExportDialog *HistoryPanel::exportRows(const QList<int> &rows)
{
    std::vector<exchange::RunRef> refs;
    for (int row : rows)
        if (row >= 0 && row < m_model->rowCount())
            refs.push_back({m_model->at(row).kind, m_model->at(row).id});
    if (refs.empty())
        return nullptr;
    auto *d = new RunExportDialog(m_jobs, storePath(), refs, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    // Exports are recorded in the store: the detail pane shows them once written.
    connect(d, &RunExportDialog::exportAvailable, this, [this] {
        const auto rows = selectedRows();
        if (rows.size() == 1)
            showExports(rows.first());
    });
    return d;
}

void HistoryPanel::showExports(int row)
{
    startOnRun<QString>(
        row, QStringLiteral("history-exports"),
        [](const QString &path, const store::RunSummary &r) {
            const bool quant = r.kind == store::RunKind::Quant;
            store::ExportFilter f;
            (quant ? f.quantRunId : f.analysisRunId) = r.id;
            const QString label = (quant ? QStringLiteral("q") : QStringLiteral("a")) + QString::number(r.id);
            return exportsHtml(label, jobs::listExports(historyContext(path), f));
        },
        [this](QString html) {
            m_compare->setHtml(html);
            Q_EMIT exportsAvailable(html);
        });
}

void HistoryPanel::importBundle(const QString &bundlePath)
{
    const QString store = storePath();
    const JobId id = m_jobs->start<bundle::ImportResult>(
        QStringLiteral("history-import"),
        [bundlePath, store](const lieq::ProgressFn &progress) {
            bundle::ImportOptions o;
            o.storePath = store.toStdString();
            return bundle::importBundle(bundlePath.toStdString(), o, lieq::jobs::importSnapshot, progress);
        },
        [this, bundlePath](bundle::ImportResult r) {
            QStringList runs;
            for (const auto &ref : r.restore.runs)
                runs << QString::fromStdString(ref.text());
            const QString summary = tr("Imported %1: runs %2 (%3 rows added, %4 already here)")
                                        .arg(QFileInfo(bundlePath).fileName(), runs.join(QStringLiteral(", ")))
                                        .arg(r.restore.added)
                                        .arg(r.restore.alreadyPresent);
            m_compare->setPlainText(summary);
            refresh();
            Q_EMIT bundleImported(summary);
        });
    reportFailure(id);
}

// Only this panel's failures are reported as history failures (historyFailed, shown in the
// message bar); both watchers go once the job ends.
void HistoryPanel::reportFailure(JobId id)
{
    auto conns = std::make_shared<std::pair<QMetaObject::Connection, QMetaObject::Connection>>();
    conns->first = connect(m_jobs, &JobRunner::failed, this, [this, id](JobId j, const QString &, const QString &m) {
        if (j == id)
            Q_EMIT historyFailed(m);
    });
    conns->second = connect(m_jobs, &JobRunner::finished, this, [id, conns](JobId j) {
        if (j != id)
            return;
        QObject::disconnect(conns->first);
        QObject::disconnect(conns->second);
    });
}

void HistoryPanel::showCount()
{
    m_count->setText(tr("%1 of %2 runs").arg(m_model->rowCount()).arg(m_model->total()));
}

void HistoryPanel::retranslate()
{
    m_texts.apply();
    showCount();
}

} // namespace lieq::ui
