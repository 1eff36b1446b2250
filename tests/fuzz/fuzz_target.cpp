#include "tests/fuzz/fuzz_target.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace lieq::fuzz {

namespace fs = std::filesystem;

namespace {

struct Scratch
{
    std::string dir;
    Scratch()
    {
        const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm")
                                                           : fs::temp_directory_path();
        dir = (base / ("lieq-fuzz-" + std::to_string(::getpid()))).string();
        fs::create_directories(dir);
    }
    ~Scratch()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

} // namespace

const std::string &scratchDir()
{
    static const Scratch s;
    return s.dir;
}

std::string writeInput(const std::string &name, const void *data, std::size_t size)
{
    const std::string path = scratchDir() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char *>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out)
        finding("cannot write the fuzz input to " + path);
    return path;
}

void finding(const std::string &what)
{
    std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

void checkError(const lieq::Error &e, std::string_view file)
{
    const std::string_view msg = e.what();
    if (!file.empty() && msg.find(file) == std::string_view::npos)
        finding("error does not name the file " + std::string(file) + ": " + std::string(msg));
    for (const char c : msg) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            finding("error message holds control byte " + std::to_string(u) +
                    " (not one printable line): " + std::string(msg));
    }
}

} // namespace lieq::fuzz
