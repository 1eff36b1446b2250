#include "kernels/quant_search.h"

#include <algorithm>
#include <cmath>

namespace lieq::kernels::detail {

namespace {

constexpr float kGroupMaxEps = 1e-15f;

// The element of largest magnitude, with its sign.
float signedAbsMax(int n, const float *x, float *amaxOut)
{
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    *amaxOut = amax;
    return max;
}

int clampCode(int l, int nmax)
{
    return std::max(-nmax, std::min(nmax - 1, l));
}

float errorWeight(int rmseType, const float *qw, const float *x, int i)
{
    if (qw)
        return qw[i];
    switch (rmseType) {
    case 1: return x[i] * x[i];
    case 2: return 1;
    case 3: return std::fabs(x[i]);
    default: return std::sqrt(std::fabs(x[i]));
    }
}

} // namespace

float makeQxQuants(int n, int nmax, const float *x, std::int8_t *L, int rmseType, const float *qw)
{
    float amax;
    const float max = signedAbsMax(n, x, &amax);
    if (amax < kGroupMaxEps) {
        std::fill(L, L + n, std::int8_t(0));
        return 0.f;
    }
    float iscale = -nmax / max;
    if (rmseType == 0) {
        for (int i = 0; i < n; ++i)
            L[i] = std::int8_t(nmax + clampCode(nearestInt(iscale * x[i]), nmax));
        return 1 / iscale;
    }
    const bool returnEarly = rmseType < 0;
    rmseType = std::abs(rmseType);
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clampCode(nearestInt(iscale * x[i]), nmax);
        L[i] = std::int8_t(l + nmax);
        const float w = errorWeight(rmseType, qw, x, i);
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    float scale = suml2 ? sumlx / suml2 : 0.0f;
    if (returnEarly)
        return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0)
            continue;
        iscale = -(nmax + 0.1f * is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clampCode(nearestInt(iscale * x[i]), nmax);
            const float w = errorWeight(rmseType, qw, x, i);
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i)
                L[i] = std::int8_t(nmax + clampCode(nearestInt(iscale * x[i]), nmax));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

float makeQ3Quants(int n, int nmax, const float *x, std::int8_t *L, bool doRmse)
{
    float amax;
    const float max = signedAbsMax(n, x, &amax);
    if (amax < kGroupMaxEps) {
        std::fill(L, L + n, std::int8_t(0));
        return 0.f;
    }
    const float iscale = -nmax / max;
    if (!doRmse) {
        for (int i = 0; i < n; ++i)
            L[i] = std::int8_t(clampCode(nearestInt(iscale * x[i]), nmax) + nmax);
        return 1 / iscale;
    }
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clampCode(nearestInt(iscale * x[i]), nmax);
        L[i] = std::int8_t(l);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    // Move one code at a time to the value the other codes' fit implies, keeping the change
    // when it raises sumlx^2 / suml2 (the weighted fit quality); at most five sweeps.
    for (int sweep = 0; sweep < 5; ++sweep) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * L[i];
            if (slx > 0) {
                float sl2 = suml2 - w * L[i] * L[i];
                const int l = clampCode(nearestInt(x[i] * sl2 / slx), nmax);
                if (l != L[i]) {
                    slx += w * x[i] * l;
                    sl2 += w * l * l;
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = std::int8_t(l);
                        sumlx = slx;
                        suml2 = sl2;
                        ++changed;
                    }
                }
            }
        }
        if (!changed)
            break;
    }
    for (int i = 0; i < n; ++i)
        L[i] = std::int8_t(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

float makeQkx2Quants(int n, int nmax, const float *x, const float *weights, std::uint8_t *L,
                     float *theMin, std::uint8_t *Laux, float rmin, float rdelta, int nstep,
                     bool useMad)
{
    float min = x[0], max = x[0];
    float sumW = weights[0];
    float sumX = sumW * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min)
            min = x[i];
        if (x[i] > max)
            max = x[i];
        const float w = weights[i];
        sumW += w;
        sumX += w * x[i];
    }
    if (min > 0)
        min = 0;
    if (max == min) {
        std::fill(L, L + n, std::uint8_t(0));
        *theMin = -min;
        return 0.f;
    }
    auto error = [useMad](float d) { return useMad ? std::fabs(d) : d * d; };
    float iscale = nmax / (max - min);
    float scale = 1 / iscale;
    float bestError = 0;
    for (int i = 0; i < n; ++i) {
        const int l = nearestInt(iscale * (x[i] - min));
        L[i] = std::uint8_t(std::max(0, std::min(nmax, l)));
        bestError += weights[i] * error(scale * L[i] + min - x[i]);
    }
    if (nstep < 1) {
        *theMin = -min;
        return scale;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * is + nmax) / (max - min);
        float sumL = 0, sumL2 = 0, sumXL = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::max(0, std::min(nmax, nearestInt(iscale * (x[i] - min))));
            Laux[i] = std::uint8_t(l);
            const float w = weights[i];
            sumL += w * l;
            sumL2 += w * l * l;
            sumXL += w * l * x[i];
        }
        const float D = sumW * sumL2 - sumL * sumL;
        if (D > 0) {
            float thisScale = (sumW * sumXL - sumX * sumL) / D;
            float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
            if (thisMin > 0) {
                thisMin = 0;
                thisScale = sumXL / sumL2;
            }
            float curError = 0;
            for (int i = 0; i < n; ++i)
                curError += weights[i] * error(thisScale * Laux[i] + thisMin - x[i]);
            if (curError < bestError) {
                std::copy(Laux, Laux + n, L);
                bestError = curError;
                scale = thisScale;
                min = thisMin;
            }
        }
    }
    *theMin = -min;
    return scale;
}

} // namespace lieq::kernels::detail
