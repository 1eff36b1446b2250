#include "ui/translatedtexts.h"

#include <QComboBox>
#include <QMetaObject>

namespace lieq::ui {

void TranslatedTexts::item(QComboBox *box, const char *source, const QVariant &data)
{
    const int index = box->count();
    box->addItem(QString(), data);
    add([box, index](const QString &s) { box->setItemText(index, s); }, source);
}

void TranslatedTexts::add(std::function<void(const QString &)> set, const char *source)
{
    m_texts.emplace_back(std::move(set), source);
}

void TranslatedTexts::apply() const
{
    for (const auto &[set, source] : m_texts)
        set(m_context.tr(source, nullptr));
}

} // namespace lieq::ui
