#pragma once

#include <QFrame>
#include <QTimer>

class QLabel;
class QToolButton;

namespace lieq::ui {

// A closable strip above the views for errors and notices, so that a failure never needs a
// modal dialog (nor a crash): the message names the file and the problem, as core wrote it.
class MessageBar : public QFrame
{
    Q_OBJECT
public:
    enum class Kind { Info, Warning, Error };
    explicit MessageBar(QWidget *parent = nullptr);

    void showMessage(Kind kind, const QString &text);
    void showError(const QString &text) { showMessage(Kind::Error, text); }
    void showInfo(const QString &text) { showMessage(Kind::Info, text); }
    QString text() const;
    Kind kind() const { return m_kind; }

private:
    QLabel *m_icon;
    QLabel *m_text;
    QToolButton *m_close;
    QTimer m_autoHide;
    Kind m_kind = Kind::Info;
};

} // namespace lieq::ui
