#include "core/analysis/statistics.h"

#include "core/util/enum_names.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>

namespace lieq::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void checkPair(const std::vector<double> &x, const std::vector<double> &y, const char *what)
{
    if (x.size() != y.size())
        throw Error(std::string(what) + ": the two samples differ in length (" +
                    std::to_string(x.size()) + " vs " + std::to_string(y.size()) + ")");
    if (x.size() < 3)
        throw Error(std::string(what) + ": needs at least 3 pairs, got " +
                    std::to_string(x.size()));
    for (std::size_t i = 0; i < x.size(); ++i)
        if (!std::isfinite(x[i]) || !std::isfinite(y[i]))
            throw Error(std::string(what) + ": value " + std::to_string(i) + " is not finite");
}

// Pearson's r without the p-value; NaN when either sample is constant.
double pearsonR(const std::vector<double> &x, const std::vector<double> &y)
{
    const double n = double(x.size());
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (sxx <= 0 || syy <= 0)
        return kNaN;
    return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

// p-value of a correlation coefficient through t = r sqrt((n-2)/(1-r^2)), n-2 dof.
double tTestP(double r, std::size_t n)
{
    if (std::isnan(r))
        return kNaN;
    const double dof = double(n) - 2.0;
    const double oneMinus = (1.0 - r) * (1.0 + r);
    if (oneMinus <= 0)
        return 0.0;
    return studentTTwoSidedP(r * std::sqrt(dof / oneMinus), dof);
}

int sign(double v) { return (v > 0) - (v < 0); }

struct KendallCounts
{
    long long concordantMinusDiscordant = 0;
    long long discordant = 0;
    double tau = kNaN;
};

KendallCounts kendallCounts(const std::vector<double> &x, const std::vector<double> &y)
{
    long long c = 0, d = 0, xOnly = 0, yOnly = 0;
    const std::size_t n = x.size();
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
            const int sx = sign(x[i] - x[j]), sy = sign(y[i] - y[j]);
            if (sx * sy > 0)
                ++c;
            else if (sx * sy < 0)
                ++d;
            else if (sx == 0 && sy != 0)
                ++xOnly;
            else if (sy == 0 && sx != 0)
                ++yOnly;
        }
    }
    KendallCounts k;
    k.concordantMinusDiscordant = c - d;
    k.discordant = d;
    const double denom = double(c + d + xOnly) * double(c + d + yOnly);
    if (denom > 0)
        k.tau = std::clamp(double(c - d) / std::sqrt(denom), -1.0, 1.0);
    return k;
}

// Tie groups of one sample: sum t(t-1)/2, sum t(t-1)(t-2), sum t(t-1)(2t+5).
struct TieSums
{
    double pairs = 0, cubic = 0, var = 0;
    bool any() const { return pairs > 0; }
};

TieSums tieSums(const std::vector<double> &v)
{
    std::map<double, long long> counts;
    for (double e : v)
        ++counts[e];
    TieSums s;
    for (const auto &[value, t] : counts) {
        if (t < 2)
            continue;
        const double td = double(t);
        s.pairs += td * (td - 1) / 2;
        s.cubic += td * (td - 1) * (td - 2);
        s.var += td * (td - 1) * (2 * td + 5);
    }
    return s;
}

// P(inversions <= c) over uniform permutations of n (Mahonian distribution), by convolution.
double inversionCdf(std::size_t n, long long c)
{
    std::vector<double> dist{1.0};
    for (std::size_t k = 2; k <= n; ++k) {
        std::vector<double> next(dist.size() + k - 1, 0.0);
        for (std::size_t j = 0; j < dist.size(); ++j)
            for (std::size_t i = 0; i < k; ++i)
                next[j + i] += dist[j] / double(k);
        dist.swap(next);
    }
    double p = 0;
    for (long long j = 0; j <= c && j < (long long)dist.size(); ++j)
        p += dist[std::size_t(j)];
    return p;
}

// Exact permutation p-value: the share of all n! orders of y whose |C - D| reaches the
// observed one. The tau-b denominator is the same for every order (tie groups are kept),
// so comparing C - D is enough.
double kendallPermutationP(const std::vector<double> &x, const std::vector<double> &y,
                           long long observed)
{
    const std::size_t n = x.size();
    std::vector<int> sx(n * n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            sx[i * n + j] = sign(x[i] - x[j]);
    std::vector<std::size_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    const long long target = std::llabs(observed);
    long long hits = 0, total = 0;
    do {
        long long s = 0;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j)
                s += sx[i * n + j] * sign(y[perm[i]] - y[perm[j]]);
        hits += std::llabs(s) >= target;
        ++total;
    } while (std::next_permutation(perm.begin(), perm.end()));
    return double(hits) / double(total);
}

// A correlation method: its bare statistic (what the bootstrap resamples) and the whole
// correlation with its p-value.
struct Method
{
    using Sample = std::vector<double>;
    double (*statistic)(const Sample &x, const Sample &y);
    Correlation (*correlation)(const Sample &x, const Sample &y);
};

Method methodOf(CorrelationMethod method)
{
    using V = Method::Sample;
    switch (method) {
    case CorrelationMethod::Pearson:
        return {pearsonR, pearson};
    case CorrelationMethod::Spearman:
        return {[](const V &x, const V &y) { return pearsonR(averageRanks(x), averageRanks(y)); }, spearman};
    case CorrelationMethod::Kendall:
        return {[](const V &x, const V &y) { return kendallCounts(x, y).tau; },
                [](const V &x, const V &y) { return kendallTauB(x, y); }};
    }
    return {[](const V &, const V &) { return kNaN; }, [](const V &, const V &) { return Correlation{}; }};
}

double statistic(CorrelationMethod method, const std::vector<double> &x, const std::vector<double> &y)
{
    return methodOf(method).statistic(x, y);
}

// Linear interpolation between order statistics (numpy's default percentile rule).
double quantile(const std::vector<double> &sorted, double q)
{
    const double pos = q * double(sorted.size() - 1);
    const std::size_t lo = std::size_t(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - double(lo)) * (sorted[hi] - sorted[lo]);
}

} // namespace

std::vector<double> averageRanks(const std::vector<double> &values)
{
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]])
            ++j;
        const double avg = (double(i + 1) + double(j + 1)) / 2.0; // ranks i+1..j+1
        for (std::size_t k = i; k <= j; ++k)
            ranks[order[k]] = avg;
        i = j + 1;
    }
    return ranks;
}

Correlation pearson(const std::vector<double> &x, const std::vector<double> &y)
{
    checkPair(x, y, "Pearson correlation");
    Correlation c;
    c.n = x.size();
    c.coefficient = pearsonR(x, y);
    c.pValue = tTestP(c.coefficient, c.n);
    c.pMethod = "t";
    return c;
}

Correlation spearman(const std::vector<double> &x, const std::vector<double> &y)
{
    checkPair(x, y, "Spearman correlation");
    Correlation c;
    c.n = x.size();
    c.coefficient = pearsonR(averageRanks(x), averageRanks(y));
    c.pValue = tTestP(c.coefficient, c.n);
    c.pMethod = "t";
    return c;
}

Correlation kendallTauB(const std::vector<double> &x, const std::vector<double> &y,
                        KendallPMethod pMethod)
{
    checkPair(x, y, "Kendall correlation");
    const std::size_t n = x.size();
    const KendallCounts k = kendallCounts(x, y);
    Correlation c;
    c.n = n;
    c.coefficient = k.tau;
    if (std::isnan(k.tau)) {
        c.pValue = kNaN;
        return c;
    }
    const TieSums tx = tieSums(x), ty = tieSums(y);
    const bool ties = tx.any() || ty.any();
    const long long totalPairs = (long long)(n * (n - 1) / 2);

    bool exact = false;
    if (pMethod == KendallPMethod::Exact) {
        if (ties && n > 10)
            throw Error("Kendall correlation: the exact p-value with ties enumerates all "
                        "permutations and is limited to n <= 10 (n = " + std::to_string(n) + ")");
        exact = true;
    } else if (pMethod == KendallPMethod::Auto) {
        exact = !ties && n <= 33;
    }

    if (exact && !ties) {
        const long long cmin = std::min(k.discordant, totalPairs - k.discordant);
        c.pValue = std::min(1.0, 2.0 * inversionCdf(n, cmin));
        c.pMethod = "exact";
    } else if (exact) {
        c.pValue = kendallPermutationP(x, y, k.concordantMinusDiscordant);
        c.pMethod = "permutation";
    } else {
        // Variance of C - D under independence with tie corrections (Kendall 1970, eq. 4.3).
        const double nd = double(n);
        const double m = nd * (nd - 1);
        const double var = (m * (2 * nd + 5) - tx.var - ty.var) / 18.0 +
                           (2.0 * tx.pairs * ty.pairs) / m +
                           tx.cubic * ty.cubic / (9.0 * m * (nd - 2));
        c.pValue = normalTwoSidedP(double(k.concordantMinusDiscordant) / std::sqrt(var));
        c.pMethod = "normal";
    }
    return c;
}

Correlation correlate(CorrelationMethod method, const std::vector<double> &x,
                      const std::vector<double> &y)
{
    return methodOf(method).correlation(x, y);
}

ConfidenceInterval bootstrapCi(CorrelationMethod method, const std::vector<double> &x,
                               const std::vector<double> &y, int resamples, double level,
                               std::uint64_t seed)
{
    checkPair(x, y, "bootstrap confidence interval");
    if (resamples < 1)
        throw Error("bootstrap confidence interval: resamples must be at least 1");
    if (!(level > 0 && level < 1))
        throw Error("bootstrap confidence interval: level must lie in (0, 1)");
    ConfidenceInterval ci;
    ci.estimate = statistic(method, x, y);
    ci.level = level;
    ci.resamples = resamples;
    ci.seed = seed;

    std::mt19937_64 rng(seed);
    const std::size_t n = x.size();
    std::vector<double> bx(n), by(n), stats;
    stats.reserve(std::size_t(resamples));
    for (int b = 0; b < resamples; ++b) {
        for (std::size_t i = 0; i < n; ++i) {
            // Multiply-shift instead of std::uniform_int_distribution, whose output is
            // implementation-defined: the same seed must give the same interval everywhere.
            const std::size_t k = std::size_t((unsigned __int128)rng() * n >> 64);
            bx[i] = x[k];
            by[i] = y[k];
        }
        const double s = statistic(method, bx, by);
        if (!std::isnan(s))
            stats.push_back(s);
    }
    ci.validResamples = int(stats.size());
    if (stats.empty()) {
        ci.low = ci.high = kNaN;
        return ci;
    }
    std::sort(stats.begin(), stats.end());
    ci.low = quantile(stats, (1.0 - level) / 2.0);
    ci.high = quantile(stats, 1.0 - (1.0 - level) / 2.0);
    return ci;
}

RankStability rankStability(const std::vector<double> &scoresA,
                            const std::vector<double> &scoresB, std::size_t topK)
{
    RankStability r;
    r.spearman = spearman(scoresA, scoresB);
    r.kendall = kendallTauB(scoresA, scoresB);
    const std::size_t n = scoresA.size();
    auto order = [n](const std::vector<double> &s) {
        std::vector<std::size_t> o(n);
        std::iota(o.begin(), o.end(), 0);
        std::stable_sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
        return o;
    };
    r.orderA = order(scoresA);
    r.orderB = order(scoresB);
    r.topK = std::min(n, topK ? topK : std::max<std::size_t>(1, n / 4));
    std::vector<bool> inA(n, false);
    for (std::size_t i = 0; i < r.topK; ++i)
        inA[r.orderA[i]] = true;
    for (std::size_t i = 0; i < r.topK; ++i)
        r.topKOverlap += inA[r.orderB[i]];
    return r;
}

double regularizedIncompleteBeta(double a, double b, double x)
{
    if (!(a > 0 && b > 0))
        throw Error("incomplete beta: a and b must be positive");
    if (x <= 0)
        return 0.0;
    if (x >= 1)
        return 1.0;
    // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry
    // I_x(a,b) = 1 - I_{1-x}(b,a) on the other side.
    if (x > (a + 1) / (a + b + 2))
        return 1.0 - regularizedIncompleteBeta(b, a, 1.0 - x);
    const double lnFront = a * std::log(x) + b * std::log1p(-x) -
                           (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b));
    // Modified Lentz evaluation of the continued fraction 1/(1+ d1/(1+ d2/(1+ ...))).
    constexpr double tiny = 1e-300;
    auto guard = [](double v) { return std::fabs(v) < tiny ? tiny : v; };
    double c = 1.0;
    double d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
    double h = d;
    for (int m = 1; m <= 500; ++m) {
        const double md = m;
        const double even = md * (b - md) * x / ((a + 2 * md - 1) * (a + 2 * md));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        const double odd = -(a + md) * (a + b + md) * x / ((a + 2 * md) * (a + 2 * md + 1));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        const double delta = d * c;
        h *= delta;
        if (std::fabs(delta - 1.0) < 1e-16)
            break;
    }
    return std::exp(lnFront) * h / a;
}

double studentTTwoSidedP(double t, double dof)
{
    if (std::isnan(t))
        return kNaN;
    if (std::isinf(t))
        return 0.0;
    // P(|T| >= |t|) = I_{dof/(dof+t^2)}(dof/2, 1/2)
    return regularizedIncompleteBeta(dof / 2.0, 0.5, dof / (dof + t * t));
}

double normalTwoSidedP(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

std::string correlationMethodName(CorrelationMethod m)
{
    static const EnumNames<CorrelationMethod, 3> names{"correlation method",
                                                       {{{CorrelationMethod::Pearson, "pearson"},
                                                         {CorrelationMethod::Spearman, "spearman"},
                                                         {CorrelationMethod::Kendall, "kendall"}}}};
    return names.name(m);
}

} // namespace lieq::analysis
