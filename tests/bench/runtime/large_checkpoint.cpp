#include "tests/bench/runtime/large_checkpoint.h"

#include "core/io/half.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

namespace lieq::bench {

namespace {

struct Rng // xorshift64*: fast enough for billions of values
{
    std::uint64_t s;
    float uniform() // [-1, 1)
    {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        const std::uint64_t r = s * 2685821657736338717ull;
        return static_cast<float>(static_cast<double>(r >> 11) * (2.0 / 9007199254740992.0) - 1.0);
    }
};

void fillChunk(const test::TinyTensor &t, Rng &rng, float *out, std::size_t n)
{
    const std::string &name = t.name;
    const bool norm = name.find("norm") != std::string::npos;
    const bool bias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    const bool table = name.find("embed_tokens") != std::string::npos ||
                       name.find("lm_head") != std::string::npos;
    // Uniform on [-a, a] has std a / sqrt(3).
    const float a = norm    ? 0.1f * std::sqrt(3.0f)
                    : bias  ? 0.1f * std::sqrt(3.0f)
                    : table ? std::sqrt(3.0f)
                            : std::sqrt(3.0f / static_cast<float>(t.shape.back()));
    const float offset = norm ? 1.0f : 0.0f;
    for (std::size_t i = 0; i < n; ++i)
        out[i] = offset + a * rng.uniform();
}

std::int64_t numel(const test::TinyTensor &t)
{
    std::int64_t n = 1;
    for (auto d : t.shape)
        n *= d;
    return n;
}

} // namespace

std::uint64_t writeLargeCheckpoint(const std::string &dir, const test::TinyModelSpec &spec)
{
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    const std::int64_t vocab = spec.vocabSize;
    writeFileAtomic((fs::path(dir) / "config.json").string(), test::tinyConfigJson(spec, vocab));
    const auto tensors = test::tinyTensorList(spec, vocab);
    const std::size_t esize = dtypeSize(spec.dtype);

    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    std::uint64_t offset = 0;
    for (const auto &t : tensors) {
        const std::uint64_t bytes = static_cast<std::uint64_t>(numel(t)) * esize;
        header[t.name] = {{"dtype", std::string(dtypeName(spec.dtype))},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.resize((text.size() + 7) / 8 * 8, ' '); // keep the data area 8-byte aligned
    AtomicFile file((fs::path(dir) / "model.safetensors").string());
    const std::uint64_t len = text.size();
    unsigned char le[8];
    for (int i = 0; i < 8; ++i)
        le[i] = static_cast<unsigned char>(len >> (8 * i));
    file.write(le, 8);
    file.write(text);

    Rng rng{spec.seed * 0x9E3779B97F4A7C15ull + 1};
    constexpr std::size_t kChunk = 1 << 20;
    std::vector<float> values(kChunk);
    std::vector<std::uint16_t> packed(kChunk);
    for (const auto &t : tensors) {
        std::int64_t left = numel(t);
        while (left > 0) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::int64_t>(left, kChunk));
            fillChunk(t, rng, values.data(), n);
            if (spec.dtype == DType::F32) {
                file.write(values.data(), n * 4);
            } else {
                for (std::size_t i = 0; i < n; ++i)
                    packed[i] = spec.dtype == DType::BF16 ? floatToBf16(values[i])
                                                          : floatToHalf(values[i]);
                file.write(packed.data(), n * 2);
            }
            left -= static_cast<std::int64_t>(n);
        }
    }
    file.commit();
    return 8 + len + offset;
}

std::uint64_t peakRssBytes()
{
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<std::uint64_t>(u.ru_maxrss) * 1024;
}

std::uint64_t currentRssBytes()
{
    std::ifstream f("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    f >> size >> resident;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

} // namespace lieq::bench
