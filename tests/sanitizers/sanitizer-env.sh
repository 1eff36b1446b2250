# Sourced (not run): the sanitizer options for binaries of the `asan` preset.
#   source tests/sanitizers/sanitizer-env.sh REPORT_PREFIX
# AddressSanitizer and LeakSanitizer write each process's report to REPORT_PREFIX.<exe>.<pid>
# instead of stderr, so a report from a child process (the CLI run by a test) whose output the
# test does not show is kept too: "no file" means "no report".
# UndefinedBehaviorSanitizer (GCC's separate libubsan) ignores log_path and always reports on
# stderr; it stops the process at the first report with exit code 86, which no test expects
# from a process, so undefined behaviour in a child fails the test that started it.
_lieq_san_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$1:log_exe_name=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86:suppressions=$_lieq_san_dir/ubsan.supp"
export LSAN_OPTIONS="suppressions=$_lieq_san_dir/lsan.supp:print_suppressions=0"
# Qt Test's own per-function watchdog (5 minutes) would end slow test functions under ASan.
export QTEST_FUNCTION_TIMEOUT=1800000
unset _lieq_san_dir
