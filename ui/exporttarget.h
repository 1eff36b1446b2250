#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;

namespace lieq::ui {

// Where an export goes, as both export dialogs ask it: a folder (the home folder at first, with
// a button that chooses another) and a file name prefix.
class ExportTarget : public QWidget
{
    Q_OBJECT
public:
    explicit ExportTarget(const QString &baseName, QWidget *parent = nullptr);

    QString directory() const; // as typed, trimmed
    QString baseName() const;  // as typed, trimmed
    void setDirectory(const QString &dir);
    void setBaseName(const QString &name);

private:
    void retranslate();
    void chooseDirectory();

    QLineEdit *m_dir;
    QLineEdit *m_base;
    QLabel *m_dirLabel;
    QLabel *m_baseLabel;
};

} // namespace lieq::ui
