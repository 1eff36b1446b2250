#include "ui/budgetpanel.h"

#include "core/alloc/layer_specs.h"
#include "core/util/error.h"
#include "ui/chartaxes.h"
#include "ui/damagechart.h"
#include "ui/messagelabel.h"
#include "ui/modelsummary.h"
#include "ui/refreshcoalescer.h"
#include "ui/retranslator.h"

#include <QBarCategoryAxis>
#include <QBarLegendMarker>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QCursor>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QMenu>
#include <QSlider>
#include <QSpinBox>
#include <QStackedBarSeries>
#include <QStandardItemModel>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lieq::ui {

namespace {
const int kBitClasses[] = {2, 3, 4, 8, 16};
QColor colourForBits(int bits)
{
    switch (bits) {
    case 2: return QColor(0x7f, 0xb3, 0xe6);
    case 3: return QColor(0x7c, 0xc6, 0x82);
    case 4: return QColor(0xf2, 0xb1, 0x34);
    case 8: return QColor(0xe8, 0x7a, 0x4a);
    default: return QColor(0x9e, 0x9e, 0x9e);
    }
}
} // namespace

BudgetPanel::BudgetPanel(QWidget *parent) : QWidget(parent)
{
    buildUi();
    Retranslator::attach(this, [this] { retranslate(); });
    clearModel();
}

void BudgetPanel::buildUi()
{
    auto *outer = new QHBoxLayout(this);
    auto *controls = new QWidget(this);
    controls->setMaximumWidth(340);
    auto *form = new QVBoxLayout(controls);

    m_budgetLabel = new QLabel(controls);
    form->addWidget(m_budgetLabel);
    auto *budgetRow = new QHBoxLayout;
    m_slider = new QSlider(Qt::Horizontal, controls);
    m_slider->setObjectName(QStringLiteral("budgetSlider"));
    m_slider->setSingleStep(1);
    m_slider->setPageStep(10);
    m_spin = new QDoubleSpinBox(controls);
    m_spin->setObjectName(QStringLiteral("budgetSpin"));
    m_spin->setDecimals(2);
    m_spin->setSingleStep(0.01);
    m_spin->setSuffix(QStringLiteral(" b"));
    budgetRow->addWidget(m_slider, 1);
    budgetRow->addWidget(m_spin);
    form->addLayout(budgetRow);

    m_methodLabel = new QLabel(controls);
    m_method = new QComboBox(controls);
    for (auto m : {alloc::AllocMethod::Paper, alloc::AllocMethod::Knapsack, alloc::AllocMethod::Greedy})
        m_method->addItem(QString::fromStdString(alloc::methodName(m)), int(m));
    form->addWidget(m_methodLabel);
    form->addWidget(m_method);
    m_driverLabel = new QLabel(controls);
    m_driverBox = new QComboBox(controls);
    m_driverBox->setObjectName(QStringLiteral("planDriver"));
    for (const std::string &key : PlanDriver::keys())
        m_driverBox->addItem(QString(), QString::fromStdString(key));
    form->addWidget(m_driverLabel);
    form->addWidget(m_driverBox);
    connect(m_driverBox, &QComboBox::currentIndexChanged, this, &BudgetPanel::recompute);

    m_bitsLabel = new QLabel(controls);
    form->addWidget(m_bitsLabel);
    auto *bitsRow = new QHBoxLayout;
    for (int b : {2, 3, 4, 8}) {
        auto *box = new QCheckBox(QString::number(b), controls);
        box->setChecked(b == 2 || b == 4);
        bitsRow->addWidget(box);
        m_bitBoxes.append(box);
        connect(box, &QCheckBox::toggled, this, [this] {
            updateRange();
            recompute();
        });
    }
    bitsRow->addStretch(1);
    form->addLayout(bitsRow);
    m_perProjection = new QCheckBox(controls);
    m_fuse = new QCheckBox(controls);
    m_fuse->setChecked(true);
    m_fuse->setEnabled(false);
    form->addWidget(m_perProjection);
    form->addWidget(m_fuse);

    m_groupLabel = new QLabel(controls);
    auto *groupRow = new QHBoxLayout;
    m_groupSize = new QSpinBox(controls);
    m_groupSize->setRange(-1, 4096);
    m_groupSize->setValue(128);
    m_groupSize->setSpecialValueText(QStringLiteral("per row"));
    m_symmetric = new QCheckBox(controls);
    groupRow->addWidget(m_groupSize);
    groupRow->addWidget(m_symmetric);
    form->addWidget(m_groupLabel);
    form->addLayout(groupRow);

    m_summary = newMessageLabel(controls);
    m_summary->setObjectName(QStringLiteral("budgetSummary"));
    m_error = newMessageLabel(controls);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_hint = new QLabel(controls);
    m_hint->setWordWrap(true);
    m_hint->setStyleSheet(QStringLiteral("color: palette(mid);"));
    form->addWidget(m_summary);
    form->addWidget(m_error);
    form->addStretch(1);
    form->addWidget(m_hint);

    m_chart = new QChartView(this);
    m_chart->setObjectName(QStringLiteral("allocationChart"));
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumSize(360, 240);
    m_chart->chart()->legend()->setAlignment(Qt::AlignBottom);
    // Dragging the slider recomputes the plan on every step; the bar chart is redrawn at most
    // every 40 ms, which still follows the drag but never queues up redraws behind it.
    m_chartRefresh = new RefreshCoalescer(m_chart, [this] { redrawChart(); }, 40);
    m_damage = new DamageChart(this);
    m_damage->setObjectName(QStringLiteral("damageChart"));
    auto *charts = new QVBoxLayout;
    charts->addWidget(m_chart, 2);
    charts->addWidget(m_damage, 1);
    outer->addWidget(controls);
    outer->addLayout(charts, 1);

    m_pinMenu = new QMenu(this);
    for (int b : kBitClasses) {
        QAction *a = m_pinMenu->addAction(QString());
        a->setData(b);
        connect(a, &QAction::triggered, this, [this, b] {
            if (m_menuLayer >= 0)
                pinLayer(m_menuLayer, b);
        });
    }
    m_pinMenu->addSeparator();
    QAction *unpin = m_pinMenu->addAction(QString());
    unpin->setData(0);
    connect(unpin, &QAction::triggered, this, [this] {
        if (m_menuLayer >= 0)
            unpinLayer(m_menuLayer);
    });

    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        if (m_updating)
            return;
        m_updating = true;
        m_spin->setValue(v / 100.0);
        m_updating = false;
        recompute();
    });
    connect(m_spin, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (m_updating)
            return;
        m_updating = true;
        m_slider->setValue(int(std::lround(v * 100)));
        m_updating = false;
        recompute();
    });
    connect(m_method, &QComboBox::currentIndexChanged, this, &BudgetPanel::recompute);
    connect(m_perProjection, &QCheckBox::toggled, this, [this](bool on) {
        m_fuse->setEnabled(on);
        recompute();
    });
    connect(m_fuse, &QCheckBox::toggled, this, &BudgetPanel::recompute);
    connect(m_groupSize, &QSpinBox::valueChanged, this, &BudgetPanel::recompute);
    connect(m_symmetric, &QCheckBox::toggled, this, &BudgetPanel::recompute);
    updateRange();
}

void BudgetPanel::retranslate()
{
    setWindowTitle(tr("Budget"));
    m_budgetLabel->setText(tr("Average bits (decoder linears):"));
    m_methodLabel->setText(tr("Allocation method:"));
    m_driverLabel->setText(tr("Plan from:"));
    for (int i = 0; i < m_driverBox->count(); ++i)
        m_driverBox->setItemText(i, PlanDriver::label(m_driverBox->itemData(i).toString().toStdString()));
    driverDataChanged();
    m_method->setItemData(0, tr("LieQ: top-scored layers get the high bit-width"), Qt::ToolTipRole);
    m_method->setItemData(1, tr("Exact knapsack under the budget"), Qt::ToolTipRole);
    m_method->setItemData(2, tr("Greedy: nested, more budget never lowers a layer"), Qt::ToolTipRole);
    m_bitsLabel->setText(tr("Bit set:"));
    m_perProjection->setText(tr("Per projection"));
    m_fuse->setText(tr("Fused groups (q/k/v, gate/up share bits)"));
    m_groupLabel->setText(tr("Group size (for effective bits and sizes):"));
    m_symmetric->setText(tr("Symmetric"));
    m_hint->setText(tr("Click a bar (or right-click a layer in the table) to pin it."));
    m_chart->chart()->setTitle(tr("Bits per layer"));
    for (QAction *a : m_pinMenu->actions()) {
        const int b = a->data().toInt();
        if (a->isSeparator())
            continue;
        a->setText(b == 0 ? tr("Unpin") : b == 16 ? tr("Keep 16-bit") : tr("Pin to %1-bit").arg(b));
    }
    recompute();
}

void BudgetPanel::setModel(const ModelConfig &config, std::int64_t otherParams)
{
    m_config = config;
    m_otherParams = otherParams;
    m_hasModel = config.numLayers > 0;
    m_scores.assign(std::size_t(config.numLayers), 0.0);
    m_pins.clear();
    Q_EMIT pinsChanged(m_pins);
    m_driver.clearSeries(); // the scores and measure pass of the previous model
    m_driver.clearMeasure();
    if (m_hasModel) {
        // The paper's main setting for this model: one layer at the highest bit-width (2 + 2/L
        // for {2, 4}), rounded up to the spin box's 0.01 so that every method, the knapsack
        // included, can afford that layer (a fixed 2.07 upgrades nothing below 28 layers).
        const auto bits = bitSet();
        const int lo = bits.empty() ? 2 : bits.front();
        const int hi = bits.empty() ? 4 : bits.back();
        const double first = std::ceil((lo + double(hi - lo) / double(config.numLayers)) * 100 - 1e-6) / 100;
        const bool was = m_updating;
        m_updating = true;
        m_spin->setValue(first);
        m_slider->setValue(int(std::lround(first * 100)));
        m_updating = was;
    }
    driverDataChanged();
}

void BudgetPanel::clearModel()
{
    m_hasModel = false;
    m_plan.reset();
    m_sizes.clear();
    m_pins.clear();
    m_driver.clearSeries();
    m_driver.clearMeasure();
    driverDataChanged();
}

void BudgetPanel::setScores(const std::vector<double> &scores)
{
    // One per layer of the open model; layers not scored yet count as 0.
    m_scores = scores;
    m_scores.resize(std::size_t(std::max<std::int64_t>(0, m_config.numLayers)), 0.0);
    m_driver.setSeries("dr", scores);
    driverDataChanged();
}

void BudgetPanel::setBudget(double bits) { m_spin->setValue(bits); }

double BudgetPanel::budget() const { return m_spin->value(); }

void BudgetPanel::pinLayer(int layer, int bits)
{
    if (layer < 0 || (m_hasModel && layer >= m_config.numLayers))
        return;
    m_pins[layer] = bits;
    Q_EMIT pinsChanged(m_pins);
    recompute();
}

void BudgetPanel::unpinLayer(int layer)
{
    if (m_pins.erase(layer)) {
        Q_EMIT pinsChanged(m_pins);
        recompute();
    }
}

void BudgetPanel::setBitSet(const std::vector<int> &bits)
{
    m_updating = true; // one recompute for the whole set
    for (QCheckBox *box : m_bitBoxes)
        box->setChecked(std::find(bits.begin(), bits.end(), box->text().toInt()) != bits.end());
    m_updating = false;
    updateRange();
    recompute();
}

void BudgetPanel::setMethod(alloc::AllocMethod m) { m_method->setCurrentIndex(m_method->findData(int(m))); }

std::vector<int> BudgetPanel::bitSet() const
{
    std::vector<int> out;
    for (QCheckBox *box : m_bitBoxes)
        if (box->isChecked())
            out.push_back(box->text().toInt());
    return out;
}

void BudgetPanel::updateRange()
{
    const auto bits = bitSet();
    const int lo = bits.empty() ? 2 : bits.front();
    const int hi = bits.empty() ? 4 : bits.back();
    const bool was = m_updating;
    m_updating = true;
    const double keep = m_spin->value();
    m_slider->setRange(lo * 100, hi * 100);
    m_spin->setRange(lo, hi);
    // First use: the paper's setting for a 2/4 set is "one 4-bit layer".
    const double value = keep >= lo && keep <= hi && keep > 0 ? keep : lo + 0.07 * (hi - lo) / 2;
    m_spin->setValue(value);
    m_slider->setValue(int(std::lround(value * 100)));
    m_updating = was;
}

void BudgetPanel::showPinMenu(int layer)
{
    m_menuLayer = layer;
    Q_EMIT layerSelected(layer);
    m_pinMenu->setTitle(tr("Layer %1").arg(layer));
    m_pinMenu->popup(QCursor::pos());
}

QString BudgetPanel::errorText() const { return m_error->text(); }

void BudgetPanel::recompute()
{
    if (m_updating)
        return;
    m_error->clear();
    if (!m_hasModel) {
        m_plan.reset();
        m_sizes.clear();
        m_summary->setText(tr("Open a model to plan its bits."));
        m_damage->clear();
        updateChart();
        return;
    }
    alloc::AllocationRequest req;
    req.budget = m_spin->value();
    req.bitSet = bitSet();
    req.pins = m_pins;
    req.method = alloc::AllocMethod(m_method->currentData().toInt());
    req.perProjection = m_perProjection->isChecked();
    req.fuseGroups = m_fuse->isChecked();
    const std::string key = driver();
    try {
        req.layers = alloc::decoderLayerSpecs(m_config, m_scores);
        // "dr" plans on the scores as given (zeros before an analysis); the other drivers need
        // their data (the combo lists them disabled until then).
        m_plan = key == "dr" ? alloc::allocate(req) : m_driver.plan(key, req);
        alloc::GptqOptions g;
        g.groupSize = m_groupSize->value() <= 0 ? -1 : m_groupSize->value();
        g.symmetric = m_symmetric->isChecked();
        m_sizes = {alloc::estimateGptq(*m_plan, g, m_otherParams), alloc::estimateGguf(*m_plan, m_otherParams)};
    } catch (const lieq::Error &e) {
        // Invalid combinations (pins above the budget, Paper with three bit-widths) are the
        // user's to fix: say why and keep showing the last valid plan.
        m_error->setText(QString::fromStdString(e.what()));
        updateChart();
        return;
    }
    const alloc::BitPlan &p = *m_plan;
    int high = 0;
    for (const auto &u : p.units)
        high += u.bits > p.bitSet.front() ? 1 : 0;
    const std::int64_t fp16Bytes = (p.totalParams() + m_otherParams) * 2;
    QString text = QStringLiteral("<table cellspacing=3>");
    auto row = [&text](const QString &k, const QString &v) {
        text += QStringLiteral("<tr><td>") + k + QStringLiteral("</td><td><b>") + v + QStringLiteral("</b></td></tr>");
    };
    row(tr("Nominal bits"), QString::number(p.nominalBits(), 'f', 4));
    const std::optional<double> damage = m_driver.predictedDamage(p);
    if (damage)
        row(tr("Predicted KL (measure pass)"), QString::number(*damage, 'f', 4));
    m_damage->setCurves(m_driver.bestCurve(req), m_driver.curve(key, req), PlanDriver::label(key));
    m_damage->setCurrent(damage ? std::optional<alloc::DamagePoint>(alloc::DamagePoint{p.nominalBits(), *damage, {}})
                                : std::nullopt);
    row(tr("Upgraded units"), QStringLiteral("%1 / %2").arg(high).arg(p.units.size()));
    for (const auto &s : m_sizes) {
        const QString fmt = QString::fromStdString(s.format).toUpper();
        row(tr("Effective bits (%1)").arg(fmt), QString::number(s.effectiveBits, 'f', 3));
        QString size = formatBytes(qint64(s.totalBytes));
        if (!s.tensorTypes.empty()) {
            QStringList types;
            for (const auto &t : s.tensorTypes)
                types << QString::fromStdString(t);
            size += QStringLiteral(" (") + types.join(QStringLiteral(", ")) + QStringLiteral(")");
        }
        row(tr("%1 file size").arg(fmt), size);
    }
    row(tr("FP16 size"), formatBytes(fp16Bytes));
    text += QStringLiteral("</table>");
    m_summary->setText(text);
    updateChart();
    Q_EMIT planChanged(p);
}

void BudgetPanel::updateChart() { m_chartRefresh->request(); }

int BudgetPanel::chartBarCount() const
{
    m_chartRefresh->flush();
    int n = 0;
    for (auto *s : m_chart->chart()->series())
        if (auto *bars = qobject_cast<QStackedBarSeries *>(s))
            for (QBarSet *set : bars->barSets())
                for (int i = 0; i < set->count(); ++i)
                    n += set->at(i) > 0 ? 1 : 0;
    return n;
}

void BudgetPanel::redrawChart()
{
    QChart *c = m_chart->chart();
    clearChart(c);
    if (!m_plan || !m_hasModel)
        return;
    const std::vector<int> bits = m_plan->layerBits();
    auto *series = new QStackedBarSeries;
    // One set per bit-width, so each bar's colour says its bits; layers whose projections
    // differ (-1) are drawn at their mean.
    std::map<int, QBarSet *> sets;
    for (int b : kBitClasses) {
        auto *set = new QBarSet(b == 16 ? tr("16-bit") : tr("%1-bit").arg(b));
        set->setColor(colourForBits(b));
        set->setBorderColor(colourForBits(b).darker(130));
        sets[b] = set;
    }
    auto *mixed = new QBarSet(tr("mixed"));
    mixed->setColor(QColor(0xb3, 0x9d, 0xdb));
    QStringList categories;
    for (std::size_t l = 0; l < bits.size(); ++l) {
        QString cat = QString::number(l);
        if (m_pins.count(int(l)))
            cat += QStringLiteral("*");
        categories << cat;
        double mixedValue = 0;
        if (bits[l] < 0) {
            double sum = 0, n = 0;
            for (const auto &u : m_plan->units)
                if (u.layer == int(l)) {
                    sum += double(u.bits) * double(u.params);
                    n += double(u.params);
                }
            mixedValue = n > 0 ? sum / n : 0;
        }
        for (auto &[b, set] : sets)
            set->append(bits[l] == b ? b : 0);
        mixed->append(mixedValue);
    }
    for (auto &[b, set] : sets) {
        series->append(set);
        connect(set, &QBarSet::clicked, this, &BudgetPanel::showPinMenu);
    }
    series->append(mixed);
    connect(mixed, &QBarSet::clicked, this, &BudgetPanel::showPinMenu);
    series->setBarWidth(0.8);
    c->addSeries(series);
    auto *x = new QBarCategoryAxis;
    x->append(categories);
    x->setTitleText(tr("layer (* pinned)"));
    auto *y = new QValueAxis;
    int maxBits = 4;
    for (int b : bits)
        maxBits = std::max(maxBits, b);
    for (const auto &u : m_plan->units)
        maxBits = std::max(maxBits, u.bits);
    y->setRange(0, maxBits);
    y->setTickCount(maxBits <= 4 ? maxBits + 1 : 5);
    y->setLabelFormat(QStringLiteral("%d"));
    y->setTitleText(tr("bits"));
    setChartAxes(c, x, y); // the bars are the chart's only series
    // Hide legend entries of bit-widths the plan does not use.
    const auto markers = c->legend()->markers(series);
    for (QLegendMarker *m : markers) {
        bool used = false;
        if (auto *bm = qobject_cast<QBarLegendMarker *>(m)) {
            for (int i = 0; i < bm->barset()->count(); ++i)
                used = used || bm->barset()->at(i) > 0;
        }
        m->setVisible(used);
    }
}

void BudgetPanel::setDriver(const std::string &key)
{
    const int i = m_driverBox->findData(QString::fromStdString(key));
    if (i < 0)
        throw lieq::Error("budget panel: no plan driver \"" + key + "\"");
    m_driverBox->setCurrentIndex(i);
}

std::string BudgetPanel::driver() const
{
    return m_driverBox->currentData().toString().toStdString();
}

void BudgetPanel::driverDataChanged()
{
    // Enable the drivers whose data is there; an unavailable current one falls back to dr.
    auto *items = qobject_cast<QStandardItemModel *>(m_driverBox->model());
    for (int i = 0; i < m_driverBox->count(); ++i) {
        const std::string key = m_driverBox->itemData(i).toString().toStdString();
        QString why;
        const bool ok = key == "dr" || m_driver.available(key, &why);
        if (items)
            items->item(i)->setEnabled(ok);
        m_driverBox->setItemData(i, ok ? PlanDriver::tooltip(key) : why, Qt::ToolTipRole);
    }
    if (items && !items->item(m_driverBox->currentIndex())->isEnabled())
        m_driverBox->setCurrentIndex(0); // recomputes
    recompute();
}

std::optional<double> BudgetPanel::predictedDamage() const
{
    return m_plan ? m_driver.predictedDamage(*m_plan) : std::nullopt;
}

} // namespace lieq::ui
