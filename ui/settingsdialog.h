#pragma once

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLineEdit;
class QSpinBox;

namespace lieq::ui {

// Engine threads, device, data paths, store location and UI language. Applies on OK; the
// language switches at once (widgets retranslate on QEvent::LanguageChange).
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget *parent = nullptr);

    void load();  // from AppSettings
    void apply(); // to AppSettings (+ language)

    QSpinBox *threadsBox() const { return m_threads; }
    QComboBox *deviceBox() const { return m_device; }
    QComboBox *languageBox() const { return m_language; }

Q_SIGNALS:
    void settingsApplied();


private:
    QLineEdit *pathRow(const QString &objectName, bool directory, bool save);
    void retranslate();

    QFormLayout *m_form;
    QSpinBox *m_threads;
    QComboBox *m_device;
    QLineEdit *m_calibration;
    QLineEdit *m_evaluation;
    QLineEdit *m_dataDir;
    QLineEdit *m_store;
    QComboBox *m_language;
    QDialogButtonBox *m_buttons;
    QList<QWidget *> m_rows;
};

} // namespace lieq::ui
