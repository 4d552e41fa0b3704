#include "support/CommandRun.hpp"

#include <sys/wait.h>

#include "testclient/ChildProcess.hpp"
#include "testclient/ServerProcess.hpp"
#include "testclient/TimeoutScale.hpp"

namespace plenum::test {

CommandRun RunCommand(const std::string& binary, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout) {
  ChildProcess process(binary, args);
  CommandRun run;
  if (const auto status = process.WaitExit(Scaled(timeout)); status && WIFEXITED(*status)) {
    run.status = WEXITSTATUS(*status);
  }
  process.Terminate();  // joins the output drain, so the output is complete
  run.output = process.OutputTail(1 << 20);
  return run;
}

CommandRun RunPlenum(const std::vector<std::string>& args) {
  return RunCommand(ServerProcess::BinaryFromEnvironment(), args);
}

}  // namespace plenum::test
