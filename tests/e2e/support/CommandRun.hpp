// Running a command to completion: the plenum binary's subcommands, and
// ffprobe and ffmpeg on the files a recording wrote.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace plenum::test {

struct CommandRun {
  int status = -1;     // exit status, -1 when it did not exit normally in time
  std::string output;  // stdout and stderr, interleaved (the last MiB)
};

// Runs `binary` (a path) with `args`; a run still going after `timeout`
// (scaled to the machine's load) is stopped and reports -1.
CommandRun RunCommand(const std::string& binary, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
// The plenum binary named by PLENUM_BIN.
CommandRun RunPlenum(const std::vector<std::string>& args);

}  // namespace plenum::test
