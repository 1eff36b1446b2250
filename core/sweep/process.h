#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

// Child processes without a shell (arguments are passed as they are, never re-parsed): the
// scheduler's commands (sbatch, squeue, sacct, scontrol) and the local workers. posix_spawn
// rather than fork, so a multi-threaded GUI process can use it too.
namespace lieq::sweep {

struct CommandResult
{
    int exitCode = -1;      // -1: could not start, or killed by a signal
    int signal = 0;         // signal that ended it, 0 otherwise
    std::string out;
    std::string err;
    bool ok() const { return exitCode == 0; }
};

// Runs argv[0] (looked up in PATH) to completion with stdin closed and collects its output;
// a program that cannot be started gives exitCode -1 and the reason in err. timeoutSeconds > 0
// kills it (SIGKILL) after that long.
CommandResult runCommand(const std::vector<std::string> &argv, double timeoutSeconds = 60);

// The absolute path of `name` in PATH (or `name` itself when it contains a slash and is
// executable); empty when absent.
std::string findProgram(const std::string &name);

// The running executable (/proc/self/exe).
std::string currentExecutable();

// A worker started in the background with stdout and stderr appended to a log file.
class ChildProcess
{
public:
    ChildProcess() = default;
    ~ChildProcess();                         // kills (SIGKILL) and reaps a child still running
    ChildProcess(ChildProcess &&other) noexcept;
    ChildProcess &operator=(ChildProcess &&other) noexcept;
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;

    // Throws lieq::Error naming the program or the log file when it cannot start.
    static ChildProcess start(const std::vector<std::string> &argv, const std::string &logPath);

    pid_t pid() const { return m_pid; }
    bool running() const { return m_pid > 0 && !m_finished; }
    // Non-blocking: true once the child has ended (then exitCode/signal are set).
    bool poll();
    void wait();
    void terminate();                        // SIGTERM: workers stop and record "failed"
    void kill();                             // SIGKILL
    int exitCode() const { return m_exitCode; }
    int signal() const { return m_signal; }

private:
    void reaped(int status);
    pid_t m_pid = -1;
    bool m_finished = false;
    int m_exitCode = -1;
    int m_signal = 0;
};

} // namespace lieq::sweep
