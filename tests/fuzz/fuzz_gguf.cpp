// Fuzz target: a GGUF file (header, metadata key/values, tensor infos, data). Reading fails with a
// lieq::Error naming the file, or every tensor's data pointer lies inside the mapping and tensors
// of every type convert to floats (an unsupported type is refused naming the file); metadata
// accessors throw lieq::Error on a type mismatch.
#include "core/io/gguf_reader.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string path = lieq::fuzz::writeInput("model.gguf", data, size);
    lieq::fuzz::expectCleanError(path, [&] {
        const lieq::GgufReader r(path);
        for (const auto &entry : r.metadata()) {
            const lieq::GgufValue &v = entry.second;
            // Accessors of the wrong type are expected to throw lieq::Error (no file: a value).
            lieq::fuzz::expectCleanError({}, [&] { (void)v.asUInt(); });
            lieq::fuzz::expectCleanError({}, [&] { (void)v.asDouble(); });
            lieq::fuzz::expectCleanError({}, [&] { (void)v.asString(); });
        }
        // Every tensor as floats (F32/F16 and every quantized kernels type): converts, or an
        // unsupported type is refused naming the file.
        for (const auto &t : r.tensors())
            lieq::fuzz::expectCleanError(path, [&] { (void)r.tensorAsFloat(t.name); });
    });
    return 0;
}
