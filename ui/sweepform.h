#pragma once

#include "core/sweep/sweep_spec.h"

#include <QWidget>

class QCheckBox;
class QLineEdit;
class QListWidget;
class QSpinBox;

namespace lieq::ui {

// The grid of a sweep as form fields: models, calibration and evaluation data, plan rules,
// budgets, bit sets, backends, seeds. spec() turns them into a sweep spec through the same
// parser the CLI uses (so the GUI and `lieq sweep SPEC` accept and refuse the same grids).
class SweepForm : public QWidget
{
    Q_OBJECT
public:
    explicit SweepForm(QWidget *parent = nullptr);

    // Starting values: the open model, the calibration and evaluation files and sizes, the
    // budget panel's budget and bit set, the runs panel's backend.
    struct Defaults
    {
        QString model;
        QString calibration;
        int samples = 32;
        int seqlen = 512;
        QString evaluation;
        QString budget = QStringLiteral("2+2/L");
        QString bitSet = QStringLiteral("2,4");
        QString backend = QStringLiteral("gptq");
        QStringList tasks;
        QString taskDataDir;
        int taskLimit = 0;       // items per task, 0: all
        int groupSize = 128;
        bool symmetric = false;
        bool actOrder = false;
    };
    void setDefaults(const Defaults &d);

    // The spec JSON the fields describe (name and paths as given).
    QByteArray specJson(const QString &name) const;
    // Parsed and validated; throws lieq::Error with the reason.
    sweep::SweepSpec spec(const QString &name, const QString &specPath) const;

    QListWidget *models() const { return m_models; }
    QListWidget *plans() const { return m_plans; }
    QLineEdit *budgets() const { return m_budgets; }
    QLineEdit *bitSets() const { return m_bitSets; }
    QLineEdit *seeds() const { return m_seeds; }
    QCheckBox *backend(const QString &name) const;
    void setPlans(const QStringList &names); // ticks exactly these

Q_SIGNALS:
    void changed();

private:
    void addModel();
    QListWidget *m_models;
    QLineEdit *m_calib;
    QSpinBox *m_samples, *m_seqlen;
    QLineEdit *m_eval;
    QSpinBox *m_windows;
    QCheckBox *m_kl;
    QLineEdit *m_tasks;
    QSpinBox *m_limit;
    QString m_taskDataDir;
    int m_groupSize = 128;
    bool m_symmetric = false;
    bool m_actOrder = false;
    QListWidget *m_plans;
    QLineEdit *m_budgets, *m_bitSets, *m_seeds;
    QCheckBox *m_rtn, *m_gptq, *m_awq;
    QSpinBox *m_threads;
};

} // namespace lieq::ui
