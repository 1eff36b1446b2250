#pragma once

namespace lieq {

// The engine's compute threads (torch-free header, for app/ and ui/).
//
// `threads` sizes the engine's own pool (core/util/thread_pool.h), which splits the heavy work
// of each operation (matrix products by output features, attention by head, quantization by
// weight rows, spectra by projection) into chunks taken dynamically by the threads. libtorch's
// OpenMP and OpenBLAS are held at one thread each: their per-operation thread teams, spinning
// waiters and static splits competed for the cores (measured in issue 10: two threads up to 11x
// slower than one). threads <= 0 means $LIEQ_THREADS, else the hardware thread count.
void setComputeThreads(int threads = 0);
int computeThreads();

// Holds libtorch and OpenBLAS at one thread (done by setComputeThreads, and once by every
// model load, so library users that never call it get the same behaviour).
void holdLibraryThreadsAtOne();

} // namespace lieq
