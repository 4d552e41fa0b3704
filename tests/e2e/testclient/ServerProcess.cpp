#include "testclient/ServerProcess.hpp"

#include "testclient/WsClient.hpp"

#include <cstdlib>
#include <stdexcept>

namespace plenum::test {

namespace {

constexpr const char* kListeningPrefix = "plenum: listening on http://";

}  // namespace

std::string ServerProcess::BinaryFromEnvironment() {
  const char* binary = std::getenv("PLENUM_BIN");
  if (!binary || !*binary) throw std::runtime_error("PLENUM_BIN is not set: it must name the plenum server binary");
  return binary;
}

std::uint16_t ServerProcess::ParseListeningPort(const std::string& line) {
  const std::size_t start = line.find(kListeningPrefix);
  if (start == std::string::npos) return 0;
  const std::size_t colon = line.rfind(':');
  if (colon == std::string::npos || colon < start + std::char_traits<char>::length(kListeningPrefix)) return 0;
  const unsigned long port = std::strtoul(line.c_str() + colon + 1, nullptr, 10);
  return port > 0 && port < 65536 ? static_cast<std::uint16_t>(port) : 0;
}

ServerProcess::ServerProcess(std::vector<std::string> extraArgs, std::chrono::milliseconds readyTimeout)
    : rest_(kHost, 0) {
  std::vector<std::string> args{"--port=0", std::string("--bind=") + kHost, std::string("--ice-local-address=") + kHost,
                                "--video-width=640", "--video-height=360"};
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  const std::string binary = BinaryFromEnvironment();
  // Plain log lines in assertion messages, not terminal colour codes.
  process_ = std::make_unique<ChildProcess>(binary, args, std::vector<std::string>{"GST_DEBUG_NO_COLOR=1"});

  const auto line =
      process_->WaitForLine([](const std::string& l) { return ParseListeningPort(l) != 0; }, readyTimeout);
  if (!line) {
    const auto status = process_->WaitExit(std::chrono::milliseconds(0));
    const std::string why = status ? "it " + ChildProcess::DescribeWaitStatus(*status) + " before it was ready"
                                   : "it printed no \"" + std::string(kListeningPrefix) + "HOST:PORT\" line within " +
                                         std::to_string(readyTimeout.count()) + " ms";
    process_->Terminate(std::chrono::seconds(2));
    throw std::runtime_error("server " + binary + " did not start: " + why + "\n--- server output ---\n" +
                             process_->OutputTail());
  }
  port_ = ParseListeningPort(*line);
  rest_ = RestClient(kHost, port_);
}

std::unique_ptr<WsClient> ServerProcess::Connect() const { return std::make_unique<WsClient>(kHost, port_); }

}  // namespace plenum::test
