// Fuzz target: a .safetensors file (8-byte header length, JSON header, data area). Whatever the
// bytes, opening either fails with a lieq::Error naming the file or yields tensors whose byte
// ranges lie inside the mapping and match shape x dtype; every accepted tensor is read end to end.
#include "core/io/dtype.h"
#include "core/io/half.h"
#include "core/io/safetensors.h"
#include "tests/fuzz/fuzz_target.h"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string path = lieq::fuzz::writeInput("model.safetensors", data, size);
    lieq::fuzz::expectCleanError(path, [&] {
        const lieq::SafetensorsFile f(path);
        const std::byte *begin = f.mapping().data();
        const std::byte *end = begin + f.mapping().size();
        std::vector<float> values;
        for (const std::string &name : f.names()) {
            const lieq::TensorView &t = f.tensor(name);
            if (t.nbytes == 0)
                continue;
            if (t.data < begin || t.data + t.nbytes > end)
                lieq::fuzz::finding("tensor " + name + " lies outside the file");
            if (static_cast<std::uint64_t>(t.numel()) * lieq::dtypeSize(t.dtype) != t.nbytes)
                lieq::fuzz::finding("tensor " + name + ": size does not match shape x dtype");
            if (lieq::isFloating(t.dtype)) { // what a loader does next: convert to float
                values.resize(static_cast<std::size_t>(t.numel()));
                lieq::convertToFloat(t.dtype, t.data, values.data(), values.size());
            }
        }
    });
    return 0;
}
