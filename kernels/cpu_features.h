#pragma once

// Which kernels this CPU can run, decided once at run time (cpuid + the OS saving AVX state).
namespace lieq::kernels {

struct CpuFeatures
{
    bool avx2 = false;
    bool fma = false;
    bool f16c = false;

    bool x86Avx2() const { return avx2 && fma && f16c; } // what kernels/cpu/x86 needs
};

const CpuFeatures &cpuFeatures();

// Which implementation matmul() uses: the best available (Auto), or one forced for tests and
// benchmarks (a forced Avx2 on a CPU without it falls back to Scalar).
enum class Backend { Auto, Scalar, Avx2 };

// The backend Auto resolves to; LIEQ_KERNELS=scalar in the environment forces the scalar one.
Backend defaultBackend();
const char *backendName(Backend b);

} // namespace lieq::kernels
