#pragma once
// One measurement of bench_threads, run in a child process (see bench_threads.cpp).

#include <string>

namespace lieq::bench {

// Loads `modelDir`, sets `threads` compute threads, warms up, then times `op` `reps` times and
// prints "RESULT <rate> <seconds> <unit>" for the best run. Returns the exit code.
int runThreadBenchChild(const std::string &modelDir, const std::string &op, int threads, int reps);

} // namespace lieq::bench
