#include "core/util/error.h"

namespace lieq {

Error::Error(const std::string &message) : std::runtime_error(message) {}

Error::Error(const std::string &file, const std::string &message)
    : std::runtime_error(file.empty() ? message : file + ": " + message), m_file(file)
{
}

Cancelled::Cancelled() : std::runtime_error("cancelled") {}

} // namespace lieq
