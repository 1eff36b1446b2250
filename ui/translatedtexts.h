#pragma once

#include <QString>
#include <QVariant>

#include <functional>
#include <utility>
#include <vector>

class QComboBox;
struct QMetaObject;

namespace lieq::ui {

// A widget's fixed texts, each stated once where the child it belongs to is made: the source
// text, marked QT_TR_NOOP (lupdate files it under the widget's class, as tr() would), and how
// to set it. apply() sets them all in the current language; the widget's retranslate() calls
// it and then sets only the texts that depend on its state. MainWindow keeps its menu texts
// the same way.
class TranslatedTexts
{
public:
    explicit TranslatedTexts(const QMetaObject &context) : m_context(context) {}

    // (target->*setter)(tr(source)); returns target, so a child can be made and labelled in
    // one statement.
    template <typename W, typename Setter> W *set(W *target, Setter setter, const char *source)
    {
        add([target, setter](const QString &s) { (target->*setter)(s); }, source);
        return target;
    }
    // The same with setText, the most common case.
    template <typename W> W *text(W *target, const char *source)
    {
        return set(target, &W::setText, source);
    }
    // Appends an item to `box` whose text is tr(source).
    void item(QComboBox *box, const char *source, const QVariant &data = {});

    void add(std::function<void(const QString &)> set, const char *source);
    void apply() const;

private:
    const QMetaObject &m_context;
    std::vector<std::pair<std::function<void(const QString &)>, const char *>> m_texts;
};

} // namespace lieq::ui
