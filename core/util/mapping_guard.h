#pragma once

#include <cstddef>
#include <string>

namespace lieq {

// Keeps a file changed on disk while it is memory-mapped from killing the process. When a mapped
// model file is truncated in place (`cp` over it, a download rewriting it), touching its lost
// pages raises SIGBUS. MappingGuard's handler maps zero pages over the lost range so that the
// computation can run on to its next progress report, and marks the mapping; reportProgress()
// then throws a lieq::Error naming the file, so the job fails cleanly and the application keeps
// running. A SIGBUS that is not a fault in a registered mapping (a sent signal, another mapping)
// goes to the handler installed before the guard, or kills the process as before. The handler is
// installed on the first add(); one installed later by someone else replaces it (the guard then
// does nothing and truncation kills again).
class MappingGuard
{
public:
    // Registers [begin, begin + size) of `path`; returns a handle for remove(), or -1 when the
    // table is full (the mapping is then unprotected).
    static int add(const void *begin, std::size_t size, const std::string &path);
    static void remove(int handle);

    // Throws lieq::Error naming the first registered file whose pages were lost since it was
    // mapped. Cheap when none was (one atomic load): called from every reportProgress().
    static void throwIfChanged();
    // Whether the mapping behind `handle` lost pages.
    static bool changed(int handle);
};

} // namespace lieq
