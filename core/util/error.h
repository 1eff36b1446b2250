#pragma once

#include <stdexcept>
#include <string>

namespace lieq {

// Every failure the engine reports to users. The message names the file (when there is one)
// and the problem, so that the CLI and GUI can show it as-is.
class Error : public std::runtime_error
{
public:
    explicit Error(const std::string &message);
    // "<file>: <message>" on one line: control characters quoted from the file are escaped.
    Error(const std::string &file, const std::string &message);

    const std::string &file() const { return m_file; }

private:
    std::string m_file;
};

// Thrown when a progress callback asked to stop. Not a failure: callers store "cancelled".
class Cancelled : public std::runtime_error
{
public:
    Cancelled();
};

} // namespace lieq
