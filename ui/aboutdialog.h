#pragma once

#include <QDialog>

class QLabel;

namespace lieq::ui {

// Version, git hash and the method's reference.
class AboutDialog : public QDialog
{
    Q_OBJECT
public:
    explicit AboutDialog(QWidget *parent = nullptr);
    static QString versionString(); // "0.1.0 (abc123def456)"


private:
    void retranslate();
    QLabel *m_text;
};

} // namespace lieq::ui
