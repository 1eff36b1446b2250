#pragma once

#include "app/cli/args.h"

// The subcommands of `lieq sweep` on an existing sweep folder (cmd_sweep_folder.cpp); the
// command itself, its options and `lieq sweep SPEC` are in cmd_sweep.cpp.
namespace lieq::cli {

int sweepStatus(const Args &args, const std::string &dir);   // `lieq sweep status DIR`
int sweepResults(const Args &args, const std::string &dir);  // `lieq sweep results DIR`
int sweepCollect(const Args &args, const std::string &dir);  // `lieq sweep collect DIR`
// `lieq sweep run-cell DIR INDEX`: what each worker process and Slurm array task runs.
int sweepRunCell(const Args &args, const std::string &dir, const std::string &index);

// Writes the results table to --csv FILE and --out FILE (JSON) when given; prints the
// text table (or the JSON with --json) on stdout.
void writeSweepResults(const Args &args, const std::string &dir, bool askScheduler);

} // namespace lieq::cli
