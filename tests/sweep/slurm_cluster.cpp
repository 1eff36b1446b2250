#include "tests/sweep/slurm_cluster.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QThread>

#include <csignal>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lieq::test {

namespace {

// Daemons live in sbin, which is not on every PATH.
QString findTool(const QString &name)
{
    const QString found = QStandardPaths::findExecutable(name);
    if (!found.isEmpty())
        return found;
    return QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
}

// A TCP port nothing listens on right now (the kernel picks it).
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

qint64 readPid(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    return f.readAll().trimmed().toLongLong();
}

// Running (a zombie waiting for its reaper counts as gone).
bool alive(qint64 pid)
{
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray s = stat.readAll();
    const qsizetype close = s.lastIndexOf(')');
    return close < 0 || close + 2 >= s.size() || s.at(close + 2) != 'Z';
}

QString run(const QString &program, const QStringList &args, int timeoutMs = 20000)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return QStringLiteral("(timed out)");
    }
    return QString::fromLocal8Bit(p.readAll());
}

} // namespace

QString SlurmCluster::unavailableReason()
{
    QStringList missing;
    for (const char *tool : {"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol"})
        if (findTool(QString::fromLatin1(tool)).isEmpty())
            missing << QString::fromLatin1(tool);
    if (!missing.isEmpty())
        return QStringLiteral("Slurm is not installed (missing %1): install Debian's slurm-wlm "
                              "and munge packages (packaging/install-deps.sh)")
            .arg(missing.join(QStringLiteral(", ")));
    if (::geteuid() != 0)
        return QStringLiteral("starting slurmd needs root (it launches jobs as their user)");
    return {};
}

SlurmCluster::SlurmCluster()
{
    m_hadConf = qEnvironmentVariableIsSet("SLURM_CONF");
    m_oldConf = qgetenv("SLURM_CONF");
}

SlurmCluster::~SlurmCluster()
{
    stop();
    if (m_hadConf)
        qputenv("SLURM_CONF", m_oldConf);
    else
        qunsetenv("SLURM_CONF");
}

QString SlurmCluster::path(const QString &name) const { return m_dir.filePath(name); }
QString SlurmCluster::confPath() const { return path(QStringLiteral("slurm.conf")); }

bool SlurmCluster::start(int cpus, int timeoutMs)
{
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("cannot create a temporary folder");
        return false;
    }
    for (const char *sub : {"munge", "state", "spool", "log"})
        if (!QDir(m_dir.path()).mkpath(QString::fromLatin1(sub)))
            return m_error = QStringLiteral("cannot create %1").arg(QString::fromLatin1(sub)), false;
    QFile::setPermissions(m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                            QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                            QFile::ExeOther);
    // munge: a private key and socket, so the test never touches a system munged.
    QFile key(path(QStringLiteral("munge/munge.key")));
    if (!key.open(QIODevice::WriteOnly))
        return m_error = QStringLiteral("cannot write the munge key"), false;
    QByteArray bytes(1024, '\0');
    for (auto &b : bytes)
        b = static_cast<char>(QRandomGenerator::global()->bounded(256));
    key.write(bytes);
    key.close();
    QFile::setPermissions(key.fileName(), QFile::ReadOwner);
    QFile::setPermissions(path(QStringLiteral("munge")), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const QString socket = path(QStringLiteral("munge/munge.socket.2"));
    const QString mungeOut = run(findTool(QStringLiteral("munged")),
                                 {QStringLiteral("--force"), QStringLiteral("--socket=") + socket,
                                  QStringLiteral("--key-file=") + key.fileName(),
                                  QStringLiteral("--pid-file=") + path(QStringLiteral("munge/munged.pid")),
                                  QStringLiteral("--log-file=") + path(QStringLiteral("log/munged.log")),
                                  QStringLiteral("--seed-file=") + path(QStringLiteral("munge/munged.seed"))});
    m_mungePid = readPid(path(QStringLiteral("munge/munged.pid")));
    if (!alive(m_mungePid))
        return m_error = QStringLiteral("munged did not start: ") + mungeOut, false;

    const QString user = QString::fromLocal8Bit(::getpwuid(::geteuid())->pw_name);
    const QString conf = QStringLiteral(
        "ClusterName=lieqtest\n"
        "SlurmctldHost=localhost\n"
        "SlurmUser=%1\nSlurmdUser=%1\n"
        "SlurmctldPort=%2\nSlurmdPort=%3\n"
        "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=%4\n"
        "StateSaveLocation=%5/state\nSlurmdSpoolDir=%5/spool\n"
        "SlurmctldPidFile=%5/slurmctld.pid\nSlurmdPidFile=%5/slurmd.pid\n"
        "SlurmctldLogFile=%5/log/slurmctld.log\nSlurmdLogFile=%5/log/slurmd.log\n"
        "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
        "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
        "SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\n"
        "ReturnToService=2\nMpiDefault=none\nSwitchType=switch/none\n"
        "NodeName=localhost NodeAddr=127.0.0.1 CPUs=%6 RealMemory=1000 State=UNKNOWN\n"
        "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n")
                             .arg(user).arg(freePort()).arg(freePort()).arg(socket, m_dir.path())
                             .arg(cpus);
    QFile f(confPath());
    if (!f.open(QIODevice::WriteOnly) || f.write(conf.toUtf8()) != conf.toUtf8().size())
        return m_error = QStringLiteral("cannot write slurm.conf"), false;
    f.close();
    qputenv("SLURM_CONF", confPath().toLocal8Bit());
    m_started = true;

    const QString ctld = run(findTool(QStringLiteral("slurmctld")), {QStringLiteral("-f"), confPath()});
    const QString slurmd = run(findTool(QStringLiteral("slurmd")),
                               {QStringLiteral("-f"), confPath(), QStringLiteral("-N"),
                                QStringLiteral("localhost")});
    const QDeadlineTimer deadline(timeoutMs);
    QString state;
    while (!deadline.hasExpired()) {
        state = run(QStringLiteral("sinfo"), {QStringLiteral("-h"), QStringLiteral("-o"),
                                              QStringLiteral("%T")}, 10000).trimmed();
        if (state == QStringLiteral("idle"))
            return true;
        QThread::msleep(300);
    }
    m_error = QStringLiteral("the node did not become idle (sinfo: %1; slurmctld: %2; slurmd: %3)\n%4")
                  .arg(state, ctld, slurmd, logTail());
    return false;
}

QString SlurmCluster::logTail() const
{
    QString out;
    for (const char *log : {"log/slurmctld.log", "log/slurmd.log"}) {
        QFile f(path(QString::fromLatin1(log)));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QStringList lines = QString::fromLocal8Bit(f.readAll()).split(QLatin1Char('\n'));
        out += QString::fromLatin1(log) + QStringLiteral(":\n") +
               lines.mid(std::max<qsizetype>(0, lines.size() - 15)).join(QLatin1Char('\n')) +
               QLatin1Char('\n');
    }
    return out;
}

void SlurmCluster::stop()
{
    if (m_started) {
        run(QStringLiteral("scontrol"), {QStringLiteral("shutdown")}, 20000);
        const qint64 pids[] = {readPid(path(QStringLiteral("slurmctld.pid"))),
                               readPid(path(QStringLiteral("slurmd.pid")))};
        const QDeadlineTimer deadline(15000);
        for (qint64 pid : pids) {
            while (alive(pid) && !deadline.hasExpired())
                QThread::msleep(100);
            if (alive(pid))
                ::kill(static_cast<pid_t>(pid), SIGKILL);
        }
        m_started = false;
    }
    if (alive(m_mungePid)) {
        ::kill(static_cast<pid_t>(m_mungePid), SIGTERM);
        const QDeadlineTimer deadline(5000);
        while (alive(m_mungePid) && !deadline.hasExpired())
            QThread::msleep(50);
    }
    m_mungePid = 0;
}

} // namespace lieq::test
