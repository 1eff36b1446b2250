#pragma once

// Which kernels this CPU can run, decided once at run time (cpuid + the OS saving AVX state).
namespace lieq::kernels {

struct CpuFeatures
{
    bool avx2 = false;
    bool fma = false;
    bool f16c = false;
    bool avx512vl = false;   // with the OS saving the opmask and zmm state
    bool avx512vnni = false;
    bool avx512bw = false;
    bool avx512vbmi = false;
    bool gfni = false;       // vgf2p8affineqb: bit fields of bytes in one instruction

    bool x86Avx2() const { return avx2 && fma && f16c; } // what kernels/cpu/x86 needs
    // The VNNI builds (vpdpbusd/vpdpwssd, VBMI's vpmultishiftqb for 3-bit codes and vpermb,
    // GFNI's vgf2p8affineqb for 2- and 3-bit fields, on 256-bit registers, EVEX-encoded): Ice
    // Lake, Zen 4 and later. (Cascade Lake has VNNI without VBMI: it runs the AVX2 build.)
    bool x86Vnni() const { return x86Avx2() && avx512vl && avx512vnni && avx512bw && avx512vbmi && gfni; }
};

const CpuFeatures &cpuFeatures();

// Which implementation matmul() uses: the best available (Auto), or one forced for tests and
// benchmarks (a forced backend the CPU lacks falls back to the next one down: Vnni -> Avx2 ->
// Scalar). Vnni is the AVX2 kernels with AVX512-VNNI integer dot instructions where they help.
enum class Backend { Auto, Scalar, Avx2, Vnni };

// The backend Auto resolves to; LIEQ_KERNELS=scalar|avx2|vnni in the environment caps it.
Backend defaultBackend();
const char *backendName(Backend b);

// `b` with Auto resolved and anything this CPU lacks stepped down.
Backend availableBackend(Backend b);

} // namespace lieq::kernels
