// Fuzz target: a bundle's manifest.json. Reading fails with a lieq::Error naming the bundle, or
// gives a manifest whose every file name is safe to create under a folder (relative, no "..",
// no backslash or control character) and that writes back to JSON and reads again unchanged.
#include "tests/fuzz/fuzz_target.h"
#include "ui/bundle/bundle_manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using lieq::ui::bundle::BundleManifest;
    static const std::string source = "/bundles/fuzz.lieqbundle: manifest.json";
    const std::string text(reinterpret_cast<const char *>(data), size);
    lieq::fuzz::expectCleanError(source, [&] {
        const BundleManifest m = BundleManifest::fromJson(text, source);
        for (const BundleManifest::File &f : m.files)
            if (const std::string why = lieq::ui::bundle::unsafeEntryReason(f.path); !why.empty())
                lieq::fuzz::finding("accepted an unsafe entry name " + f.path + ": " + why);
        const std::string once = m.toJson();
        if (BundleManifest::fromJson(once, source).toJson() != once)
            lieq::fuzz::finding("a manifest does not survive a write/read round trip");
    });
    return 0;
}
