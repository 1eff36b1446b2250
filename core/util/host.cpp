#include "core/util/host.h"

#include <unistd.h>

namespace lieq {

std::string hostName()
{
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    return buf;
}

} // namespace lieq
