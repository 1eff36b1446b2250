#pragma once

#include <string>

namespace lieq {

// This machine's host name ("localhost" when the system gives none): recorded as the owner of
// running store runs and sweep cells, so that only this host judges whether their process died.
std::string hostName();

} // namespace lieq
