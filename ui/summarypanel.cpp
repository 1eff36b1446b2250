#include "ui/summarypanel.h"
#include "ui/retranslator.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace lieq::ui {

namespace {
const char *const kKeys[] = {"name", "architecture", "layers", "hidden", "heads", "vocab",
                             "parameters", "decoderParams", "dtype", "size", "files", "fingerprint"};
} // namespace

SummaryPanel::SummaryPanel(QWidget *parent) : QWidget(parent)
{
    auto *outer = new QVBoxLayout(this);
    m_title = new QLabel(this);
    QFont f = m_title->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.15);
    m_title->setFont(f);
    outer->addWidget(m_title);
    m_form = new QFormLayout;
    m_form->setLabelAlignment(Qt::AlignLeft);
    outer->addLayout(m_form);
    m_start = new QLabel(this);
    m_start->setObjectName(QStringLiteral("summaryStart"));
    m_start->setWordWrap(true);
    m_start->setTextFormat(Qt::RichText);
    connect(m_start, &QLabel::linkActivated, this, [this](const QString &link) {
        if (link == QLatin1StringView("demo"))
            Q_EMIT openRequested(m_demo);
        else if (link.startsWith(QLatin1StringView("recent:")))
            Q_EMIT openRequested(m_recent.value(link.mid(7).toInt()));
        else
            Q_EMIT openRequested({});
    });
    outer->addSpacing(12);
    outer->addWidget(m_start);
    outer->addStretch(1);
    for (const char *k : kKeys)
        addRow(QString::fromLatin1(k));
    Retranslator::attach(this, [this] { retranslate(); });
    clear();
}

void SummaryPanel::addRow(const QString &key)
{
    auto *caption = new QLabel(this);
    auto *value = new QLabel(this);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setObjectName(QStringLiteral("summary_") + key);
    m_form->addRow(caption, value);
    m_captions.append(caption);
    m_values.append({key, value});
}

void SummaryPanel::retranslate()
{
    m_title->setText(tr("Model"));
    const QString captions[] = {tr("Name"),       tr("Architecture"),  tr("Layers"),
                                tr("Hidden size"), tr("Heads (KV)"),   tr("Vocabulary"),
                                tr("Parameters"), tr("Decoder linear"), tr("Storage dtype"),
                                tr("Size on disk"), tr("Files"),       tr("Fingerprint")};
    for (int i = 0; i < m_captions.size(); ++i)
        m_captions[i]->setText(captions[i] + QStringLiteral(":"));
    if (m_hasModel)
        setSummary(m_summary); // values with translated units
    else
        clear();
}

void SummaryPanel::setStartChoices(const QStringList &recent, const QString &demoPath)
{
    m_recent = recent;
    m_demo = demoPath;
    updateStart();
}

void SummaryPanel::updateStart()
{
    m_start->setVisible(!m_hasModel);
    QString html = QStringLiteral("<a href=\"dialog\">") + tr("Open a model folder…") + QStringLiteral("</a>");
    if (!m_demo.isEmpty())
        html += QStringLiteral("<br><a href=\"demo\">") + tr("Open the demo model") + QStringLiteral("</a>");
    if (!m_recent.isEmpty()) {
        html += QStringLiteral("<p>") + tr("Recent models:");
        for (int i = 0; i < m_recent.size(); ++i)
            html += QStringLiteral("<br><a href=\"recent:%1\" title=\"%2\">%3</a>")
                        .arg(i)
                        .arg(m_recent[i].toHtmlEscaped(), QFileInfo(m_recent[i]).fileName().toHtmlEscaped());
        html += QStringLiteral("</p>");
    }
    m_start->setText(html);
}

void SummaryPanel::setSummary(const ModelSummary &s)
{
    m_hasModel = true;
    m_start->hide();
    m_summary = s;
    const QString values[] = {
        s.name,
        s.architecture + QStringLiteral(" (") + s.modelType + QStringLiteral(")"),
        QString::number(s.layers),
        QString::number(s.hiddenSize) + QStringLiteral(" / ") + QString::number(s.intermediateSize),
        QString::number(s.heads) + QStringLiteral(" (") + QString::number(s.kvHeads) + QStringLiteral(")"),
        QString::number(s.vocabSize),
        formatCount(s.parameters) + QStringLiteral("  (") + QString::number(s.parameters) + QStringLiteral(")"),
        formatCount(s.decoderLinearParams),
        s.dtype,
        formatBytes(s.sizeOnDisk),
        tr("%n tensor(s) in %1 file(s)", nullptr, s.tensorCount).arg(s.fileCount),
        s.fingerprint.left(16)};
    for (int i = 0; i < m_values.size(); ++i)
        m_values[i].second->setText(values[i]);
    m_values[0].second->setToolTip(s.path);
    m_values.last().second->setToolTip(s.fingerprint);
}

void SummaryPanel::clear()
{
    m_hasModel = false;
    for (auto &[key, label] : m_values)
        label->setText(QStringLiteral("—"));
    if (!m_values.isEmpty())
        m_values[0].second->setText(tr("No model open"));
    updateStart();
}

QString SummaryPanel::field(const QString &key) const
{
    for (const auto &[k, label] : m_values)
        if (k == key)
            return label->text();
    return {};
}

} // namespace lieq::ui
