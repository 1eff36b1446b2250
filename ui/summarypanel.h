#pragma once

#include "ui/modelsummary.h"

#include <QWidget>

class QFormLayout;
class QLabel;

namespace lieq::ui {

// The opened model at a glance: architecture, layers, parameters, dtype, size on disk. Without
// a model it offers what to open: a folder, the demo model, the recent models.
class SummaryPanel : public QWidget
{
    Q_OBJECT
public:
    explicit SummaryPanel(QWidget *parent = nullptr);

    void setSummary(const ModelSummary &s);
    void clear();
    // What the empty panel offers (recent model folders, the demo model's folder or empty).
    void setStartChoices(const QStringList &recent, const QString &demoPath);
    QLabel *startLabel() const { return m_start; }
    // Field text by key ("architecture", "layers", ...), for tests and accessibility.
    QString field(const QString &key) const;

Q_SIGNALS:
    void openRequested(const QString &folder); // empty: ask with the folder dialog


private:
    void retranslate();
    void addRow(const QString &key);
    void updateStart();
    QFormLayout *m_form;
    QLabel *m_title;
    QLabel *m_start;
    QStringList m_recent;
    QString m_demo;
    QList<QPair<QString, QLabel *>> m_values; // key -> value label
    QList<QLabel *> m_captions;
    bool m_hasModel = false;
    ModelSummary m_summary;
};

} // namespace lieq::ui
