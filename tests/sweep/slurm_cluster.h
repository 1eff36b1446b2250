#pragma once

#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace lieq::test {

// A real one-node Slurm cluster for one test: munged, slurmctld and slurmd (Debian's munge and
// slurm-wlm packages) on localhost, with every file in a temporary folder, free ports, auth/munge
// on a private socket and key, proctrack/linuxproc, no cgroups and no accounting database.
// SLURM_CONF is set in this process's environment while the cluster lives, so sbatch, squeue,
// sacct and scontrol started from here (and by lieq) talk to it. Everything is shut down on
// destruction.
class SlurmCluster
{
public:
    SlurmCluster();
    ~SlurmCluster();
    SlurmCluster(const SlurmCluster &) = delete;
    SlurmCluster &operator=(const SlurmCluster &) = delete;

    // Why the cluster cannot run here ("" when it can): packages absent, not root.
    static QString unavailableReason();

    // Starts the daemons and waits until the node is idle; false with error() set otherwise.
    bool start(int cpus, int timeoutMs = 60000);
    QString error() const { return m_error; }
    QString confPath() const;
    QString logTail() const; // the daemons' last log lines, for failure messages

private:
    void stop();
    QString path(const QString &name) const;
    QTemporaryDir m_dir;
    QString m_error;
    QByteArray m_oldConf;
    bool m_hadConf = false;
    bool m_started = false;
    qint64 m_mungePid = 0;
};

} // namespace lieq::test
