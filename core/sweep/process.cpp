#include "core/sweep/process.h"

#include "core/util/error.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace lieq::sweep {

namespace fs = std::filesystem;

namespace {

std::vector<char *> argvPointers(const std::vector<std::string> &argv)
{
    std::vector<char *> p;
    for (const auto &a : argv)
        p.push_back(const_cast<char *>(a.c_str()));
    p.push_back(nullptr);
    return p;
}

// RAII for posix_spawn file actions.
struct FileActions
{
    posix_spawn_file_actions_t fa;
    FileActions() { posix_spawn_file_actions_init(&fa); }
    ~FileActions() { posix_spawn_file_actions_destroy(&fa); }
};

void decode(int status, int &exitCode, int &signal)
{
    if (WIFEXITED(status)) {
        exitCode = WEXITSTATUS(status);
        signal = 0;
    } else if (WIFSIGNALED(status)) {
        exitCode = -1;
        signal = WTERMSIG(status);
    }
}

} // namespace

std::string findProgram(const std::string &name)
{
    if (name.empty())
        return {};
    if (name.find('/') != std::string::npos)
        return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
    const char *path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const std::size_t end = dirs.find(':', start);
        const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!dir.empty()) {
            const std::string candidate = dir + "/" + name;
            if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate))
                return candidate;
        }
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return {};
}

std::string currentExecutable()
{
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

CommandResult runCommand(const std::vector<std::string> &argv, double timeoutSeconds)
{
    CommandResult r;
    if (argv.empty()) {
        r.err = "no program given";
        return r;
    }
    int outPipe[2], errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) != 0)
        throw Error("cannot create a pipe: " + std::string(std::strerror(errno)));
    if (::pipe2(errPipe, O_CLOEXEC) != 0) {
        ::close(outPipe[0]);
        ::close(outPipe[1]);
        throw Error("cannot create a pipe: " + std::string(std::strerror(errno)));
    }
    FileActions fa;
    posix_spawn_file_actions_addopen(&fa.fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa.fa, outPipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa.fa, errPipe[1], 2);
    auto args = argvPointers(argv);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0].c_str(), &fa.fa, nullptr, args.data(), environ);
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    if (rc != 0) {
        ::close(outPipe[0]);
        ::close(errPipe[0]);
        r.err = argv[0] + ": cannot start: " + std::strerror(rc);
        return r;
    }
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long long>(timeoutSeconds * 1000));
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    std::string *sinks[2] = {&r.out, &r.err};
    int open = 2;
    bool killed = false;
    while (open > 0) {
        int waitMs = 200;
        if (timeoutSeconds > 0 && std::chrono::steady_clock::now() > deadline && !killed) {
            ::kill(pid, SIGKILL);
            killed = true;
        }
        const int n = ::poll(fds, 2, waitMs);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    for (auto &f : fds)
        if (f.fd >= 0)
            ::close(f.fd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    decode(status, r.exitCode, r.signal);
    if (killed)
        r.err += "\n" + argv[0] + ": killed after " + std::to_string(timeoutSeconds) + " s";
    return r;
}

ChildProcess::~ChildProcess()
{
    if (running()) {
        kill();
        wait();
    }
}

ChildProcess::ChildProcess(ChildProcess &&o) noexcept
    : m_pid(o.m_pid), m_finished(o.m_finished), m_exitCode(o.m_exitCode), m_signal(o.m_signal)
{
    o.m_pid = -1;
}

ChildProcess &ChildProcess::operator=(ChildProcess &&o) noexcept
{
    if (this != &o) {
        if (running()) {
            kill();
            wait();
        }
        m_pid = o.m_pid;
        m_finished = o.m_finished;
        m_exitCode = o.m_exitCode;
        m_signal = o.m_signal;
        o.m_pid = -1;
    }
    return *this;
}

ChildProcess ChildProcess::start(const std::vector<std::string> &argv, const std::string &logPath)
{
    if (argv.empty())
        throw Error("no program to start");
    FileActions fa;
    posix_spawn_file_actions_addopen(&fa.fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa.fa, 1, logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa.fa, 1, 2);
    auto args = argvPointers(argv);
    ChildProcess c;
    const int rc = posix_spawn(&c.m_pid, argv[0].c_str(), &fa.fa, nullptr, args.data(), environ);
    if (rc != 0) {
        c.m_pid = -1;
        throw Error(argv[0], std::string("cannot start the worker: ") + std::strerror(rc));
    }
    return c;
}

void ChildProcess::reaped(int status)
{
    m_finished = true;
    decode(status, m_exitCode, m_signal);
}

bool ChildProcess::poll()
{
    if (m_pid <= 0 || m_finished)
        return true;
    int status = 0;
    const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid)
        reaped(status);
    return m_finished;
}

void ChildProcess::wait()
{
    if (m_pid <= 0 || m_finished)
        return;
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    reaped(status);
}

void ChildProcess::terminate()
{
    if (running())
        ::kill(m_pid, SIGTERM);
}

void ChildProcess::kill()
{
    if (running())
        ::kill(m_pid, SIGKILL);
}

} // namespace lieq::sweep
