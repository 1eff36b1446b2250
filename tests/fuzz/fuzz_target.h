#pragma once

// Shared pieces of the libFuzzer targets (tests/fuzz/fuzz_*.cpp). Each target defines
// LLVMFuzzerTestOneInput; the same source is linked into a libFuzzer binary in the `fuzz` preset
// and into a Qt Test (fuzz_replay.cpp) that replays the seed corpus and every kept crasher with
// the normal compiler, so CI keeps running them.
//
// The rule every target enforces: a hostile input may only end in lieq::Error, and that error
// names the file it came from and fits on one line. Anything else escaping (nlohmann exceptions,
// std::out_of_range, bad_alloc), a crash, a sanitizer report, a leak or a hang is a finding.

#include "core/util/error.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace lieq::fuzz {

// A private scratch folder for this process (under /dev/shm when present), made on first use and
// removed at exit.
const std::string &scratchDir();
// Writes the input to scratchDir()/name and returns the path.
std::string writeInput(const std::string &name, const void *data, std::size_t size);

// Prints what went wrong and aborts, so that libFuzzer keeps the input as a crasher and the
// replay test fails.
[[noreturn]] void finding(const std::string &what);

// Checks an expected error: names `file` (when not empty), one line, no terminal control bytes.
void checkError(const lieq::Error &e, std::string_view file);

// Runs `f`; lieq::Error is an accepted outcome (checked by checkError), anything else a finding.
template<typename F>
void expectCleanError(std::string_view file, F &&f)
{
    try {
        f();
    } catch (const lieq::Error &e) {
        checkError(e, file);
    } catch (const lieq::Cancelled &) {
        finding("lieq::Cancelled escaped without a cancel request");
    } catch (const std::exception &e) {
        finding(std::string("escaped a non-lieq exception: ") + e.what());
    }
}

} // namespace lieq::fuzz
