#include "ui/sweepform.h"

#include "core/util/error.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>

namespace lieq::ui {

namespace {

// The plan rules the form offers (docs/sweeps.md); the first two are ticked by default.
const char *const kPlans[] = {"dr", "uniform-2", "dE", "dppl", "dr-inverted", "uniform-3",
                              "uniform-4", "rule:llama-cpp", "rule:first", "rule:last",
                              "rule:random"};

QStringList splitList(const QString &text, QChar sep)
{
    QStringList out;
    for (const QString &s : text.split(sep, Qt::SkipEmptyParts))
        if (!s.trimmed().isEmpty())
            out << s.trimmed();
    return out;
}

QSpinBox *spin(int min, int max, int value, QWidget *parent)
{
    auto *s = new QSpinBox(parent);
    s->setRange(min, max);
    s->setValue(value);
    return s;
}

} // namespace

SweepForm::SweepForm(QWidget *parent) : QWidget(parent)
{
    auto *form = new QFormLayout(this);
    m_models = new QListWidget(this);
    m_models->setMaximumHeight(80);
    auto *addModelButton = new QPushButton(tr("Add model..."), this);
    auto *removeModel = new QPushButton(tr("Remove"), this);
    auto *modelButtons = new QHBoxLayout;
    modelButtons->addWidget(addModelButton);
    modelButtons->addWidget(removeModel);
    modelButtons->addStretch();
    auto *models = new QVBoxLayout;
    models->addWidget(m_models);
    models->addLayout(modelButtons);
    form->addRow(tr("Models"), models);

    m_calib = new QLineEdit(this);
    m_samples = spin(1, 4096, 32, this);
    m_seqlen = spin(16, 32768, 512, this);
    auto *calib = new QHBoxLayout;
    calib->addWidget(m_calib, 1);
    calib->addWidget(m_samples);
    calib->addWidget(m_seqlen);
    m_samples->setToolTip(tr("calibration windows"));
    m_seqlen->setToolTip(tr("tokens per window"));
    form->addRow(tr("Calibration"), calib);

    m_eval = new QLineEdit(this);
    m_windows = spin(-1, 100000, 40, this);
    m_windows->setSpecialValueText(tr("all windows"));
    m_kl = new QCheckBox(tr("KL from FP16"), this);
    m_kl->setChecked(true);
    auto *eval = new QHBoxLayout;
    eval->addWidget(m_eval, 1);
    eval->addWidget(m_windows);
    eval->addWidget(m_kl);
    form->addRow(tr("Perplexity text"), eval);
    m_tasks = new QLineEdit(this);
    m_tasks->setPlaceholderText(tr("e.g. piqa, arc_e (none: perplexity only)"));
    m_limit = spin(0, 100000, 0, this);
    m_limit->setSpecialValueText(tr("all items"));
    auto *tasks = new QHBoxLayout;
    tasks->addWidget(m_tasks, 1);
    tasks->addWidget(m_limit);
    form->addRow(tr("Zero-shot tasks"), tasks);

    m_plans = new QListWidget(this);
    m_plans->setMaximumHeight(110);
    for (const char *p : kPlans) {
        auto *item = new QListWidgetItem(QString::fromLatin1(p), m_plans);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(m_plans->count() <= 2 ? Qt::Checked : Qt::Unchecked);
    }
    form->addRow(tr("Plans"), m_plans);
    m_budgets = new QLineEdit(QStringLiteral("2+2/L"), this);
    m_budgets->setToolTip(tr("average bits, comma-separated; 2+2/L is one 4-bit layer of L"));
    form->addRow(tr("Budgets"), m_budgets);
    m_bitSets = new QLineEdit(QStringLiteral("2,4"), this);
    m_bitSets->setToolTip(tr("bit sets separated by ';', e.g. 2,4; 2,3,4"));
    form->addRow(tr("Bit sets"), m_bitSets);
    m_rtn = new QCheckBox(QStringLiteral("RTN"), this);
    m_gptq = new QCheckBox(QStringLiteral("GPTQ"), this);
    m_awq = new QCheckBox(QStringLiteral("AWQ"), this);
    m_gptq->setChecked(true);
    auto *backends = new QHBoxLayout;
    for (QCheckBox *b : {m_rtn, m_gptq, m_awq})
        backends->addWidget(b);
    backends->addStretch();
    form->addRow(tr("Backends"), backends);
    m_seeds = new QLineEdit(QStringLiteral("0"), this);
    form->addRow(tr("Seeds"), m_seeds);
    m_threads = spin(1, 256, 1, this);
    form->addRow(tr("Threads per cell"), m_threads);

    connect(addModelButton, &QPushButton::clicked, this, &SweepForm::addModel);
    connect(removeModel, &QPushButton::clicked, this, [this] {
        delete m_models->currentItem();
        Q_EMIT changed();
    });
    for (QLineEdit *e : {m_calib, m_eval, m_tasks, m_budgets, m_bitSets, m_seeds})
        connect(e, &QLineEdit::textChanged, this, &SweepForm::changed);
    for (QSpinBox *s : {m_samples, m_seqlen, m_windows, m_limit, m_threads})
        connect(s, &QSpinBox::valueChanged, this, &SweepForm::changed);
    for (QCheckBox *c : {m_kl, m_rtn, m_gptq, m_awq})
        connect(c, &QCheckBox::toggled, this, &SweepForm::changed);
    connect(m_plans, &QListWidget::itemChanged, this, &SweepForm::changed);
}

void SweepForm::addModel()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Model folder"));
    if (dir.isEmpty())
        return;
    m_models->addItem(dir);
    Q_EMIT changed();
}

void SweepForm::setDefaults(const Defaults &d)
{
    m_models->clear();
    if (!d.model.isEmpty())
        m_models->addItem(d.model);
    m_calib->setText(d.calibration);
    m_samples->setValue(d.samples);
    m_seqlen->setValue(d.seqlen);
    m_eval->setText(d.evaluation);
    m_budgets->setText(d.budget);
    m_bitSets->setText(d.bitSet);
    m_rtn->setChecked(d.backend == QStringLiteral("rtn"));
    m_gptq->setChecked(d.backend == QStringLiteral("gptq"));
    m_awq->setChecked(d.backend == QStringLiteral("awq"));
    m_tasks->setText(d.tasks.join(QStringLiteral(", ")));
    m_limit->setValue(d.taskLimit);
    m_taskDataDir = d.taskDataDir;
    m_groupSize = d.groupSize;
    m_symmetric = d.symmetric;
    m_actOrder = d.actOrder;
    Q_EMIT changed();
}

void SweepForm::setPlans(const QStringList &names)
{
    for (int i = 0; i < m_plans->count(); ++i)
        m_plans->item(i)->setCheckState(names.contains(m_plans->item(i)->text()) ? Qt::Checked
                                                                                 : Qt::Unchecked);
}

QCheckBox *SweepForm::backend(const QString &name) const
{
    return name == QStringLiteral("rtn") ? m_rtn : name == QStringLiteral("awq") ? m_awq : m_gptq;
}

QByteArray SweepForm::specJson(const QString &name) const
{
    QJsonArray models, plans, budgets, bitSets, backends, seeds, tasks;
    for (int i = 0; i < m_models->count(); ++i)
        models.append(m_models->item(i)->text());
    for (int i = 0; i < m_plans->count(); ++i)
        if (m_plans->item(i)->checkState() == Qt::Checked)
            plans.append(m_plans->item(i)->text());
    for (const QString &b : splitList(m_budgets->text(), QLatin1Char(',')))
        budgets.append(b);
    for (const QString &set : splitList(m_bitSets->text(), QLatin1Char(';'))) {
        QJsonArray bits;
        for (const QString &b : splitList(set, QLatin1Char(',')))
            bits.append(b.toInt());
        bitSets.append(bits);
    }
    for (QCheckBox *b : {m_rtn, m_gptq, m_awq})
        if (b->isChecked())
            backends.append(b->text().toLower());
    for (const QString &s : splitList(m_seeds->text(), QLatin1Char(',')))
        seeds.append(s.toLongLong());
    for (const QString &t : splitList(m_tasks->text(), QLatin1Char(',')))
        tasks.append(t);
    QJsonObject eval{{QStringLiteral("max_windows"), m_windows->value()},
                     {QStringLiteral("tasks"), tasks}};
    if (!m_eval->text().isEmpty()) {
        eval[QStringLiteral("ppl")] = m_eval->text();
        eval[QStringLiteral("kl")] = m_kl->isChecked();
    }
    if (m_limit->value() > 0)
        eval[QStringLiteral("limit")] = m_limit->value();
    if (!m_taskDataDir.isEmpty())
        eval[QStringLiteral("data_dir")] = m_taskDataDir;
    const QJsonObject j{
        {QStringLiteral("name"), name},
        {QStringLiteral("models"), models},
        {QStringLiteral("calibration"),
         QJsonObject{{QStringLiteral("path"), m_calib->text()},
                     {QStringLiteral("samples"), m_samples->value()},
                     {QStringLiteral("seqlen"), m_seqlen->value()}}},
        {QStringLiteral("evaluation"), eval},
        {QStringLiteral("plans"), plans},
        {QStringLiteral("budgets"), budgets},
        {QStringLiteral("bit_sets"), bitSets},
        {QStringLiteral("backends"), backends},
        {QStringLiteral("seeds"), seeds},
        {QStringLiteral("quantization"), QJsonObject{{QStringLiteral("group_size"), m_groupSize},
                                                     {QStringLiteral("symmetric"), m_symmetric},
                                                     {QStringLiteral("act_order"), m_actOrder}}},
        {QStringLiteral("threads"), m_threads->value()}};
    return QJsonDocument(j).toJson();
}

sweep::SweepSpec SweepForm::spec(const QString &name, const QString &specPath) const
{
    return sweep::parseSweepSpec(specJson(name).toStdString(), specPath.toStdString(), {});
}

} // namespace lieq::ui
