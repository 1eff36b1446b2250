#pragma once

namespace lieq {

// Settings that libgomp (torch's OpenMP) and OpenBLAS read once, when they are loaded, before
// main() runs: OMP_NUM_THREADS=1, OMP_WAIT_POLICY=PASSIVE, GOMP_SPINCOUNT=0,
// OPENBLAS_NUM_THREADS=1 (and MKL_NUM_THREADS=1). The engine computes in parallel through its
// own pool (core/util/thread_pool.h) and keeps both libraries single-threaded; these variables
// also stop OpenBLAS from starting an idle thread per core. Values the user set are kept.
//
// Call first thing in main(): when a variable is missing it sets them and re-executes the
// program (/proc/self/exe, same argv), so that they are in force when the libraries start.
// LIEQ_THREAD_ENV=0 disables this (for measuring the libraries' own defaults).
void ensureThreadEnvironment(char **argv);

} // namespace lieq
