#pragma once

#include "ui/modelsummary.h"

#include <QWidget>

class QFormLayout;
class QLabel;

namespace lieq::ui {

// The opened model at a glance: architecture, layers, parameters, dtype, size on disk.
class SummaryPanel : public QWidget
{
    Q_OBJECT
public:
    explicit SummaryPanel(QWidget *parent = nullptr);

    void setSummary(const ModelSummary &s);
    void clear();
    // Field text by key ("architecture", "layers", ...), for tests and accessibility.
    QString field(const QString &key) const;

protected:
    void changeEvent(QEvent *e) override;

private:
    void retranslate();
    void addRow(const QString &key);
    QFormLayout *m_form;
    QLabel *m_title;
    QList<QPair<QString, QLabel *>> m_values; // key -> value label
    QList<QLabel *> m_captions;
    bool m_hasModel = false;
    ModelSummary m_summary;
};

} // namespace lieq::ui
