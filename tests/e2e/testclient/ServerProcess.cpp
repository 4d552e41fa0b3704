#include "testclient/ServerProcess.hpp"

#include "testclient/WsClient.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <utility>

namespace plenum::test {

namespace {

constexpr const char* kListeningPrefix = "plenum: listening on ";

}  // namespace

std::string ServerProcess::BinaryFromEnvironment() {
  const char* binary = std::getenv("PLENUM_BIN");
  if (!binary || !*binary) throw std::runtime_error("PLENUM_BIN is not set: it must name the plenum server binary");
  return binary;
}

std::uint16_t ServerProcess::ParseListeningPort(const std::string& line, const std::string& scheme) {
  const std::string prefix = kListeningPrefix + scheme + "://";
  const std::size_t start = line.find(prefix);
  if (start == std::string::npos) return 0;
  const std::size_t colon = line.rfind(':');
  if (colon == std::string::npos || colon < start + prefix.size()) return 0;
  const unsigned long port = std::strtoul(line.c_str() + colon + 1, nullptr, 10);
  return port > 0 && port < 65536 ? static_cast<std::uint16_t>(port) : 0;
}

ServerProcess::ServerProcess(std::vector<std::string> extraArgs, std::chrono::milliseconds readyTimeout,
                             std::vector<std::string> wrapper)
    : dataDir_("plenum-test-data"), rest_(kHost, 0) {
  // The test defaults, each unless EXTRA gives that option itself.
  const std::vector<std::pair<std::string, std::string>> defaults{
      {"port", "0"},
      {"tls-port", "0"},
      {"data-dir", dataDir_.Path()},
      {"recordings-dir", dataDir_.Path() + "/recordings"},  // never the test's working directory
      {"bind", kHost},
      {"ice-local-address", kHost},
      {"video-width", "640"},
      {"video-height", "360"},
  };
  auto given = [&](const std::string& name) -> std::optional<std::string> {
    const std::string prefix = "--" + name + "=";
    for (const std::string& arg : extraArgs)
      if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
    return std::nullopt;
  };
  std::vector<std::string> args;
  for (const auto& [name, value] : defaults) {
    if (!given(name)) args.push_back("--" + name + "=" + value);
  }
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  dataDirArgument_ = given("data-dir").value_or(dataDir_.Path());
  recordingsDirArgument_ = given("recordings-dir").value_or(dataDir_.Path() + "/recordings");
  const bool tls = given("tls-port") != "off";
  const std::string binary = BinaryFromEnvironment();
  // Plain log lines in assertion messages, not terminal colour codes.
  if (!wrapper.empty()) {
    args.insert(args.begin(), binary);
    args.insert(args.begin(), wrapper.begin() + 1, wrapper.end());
  }
  process_ = std::make_unique<ChildProcess>(wrapper.empty() ? binary : wrapper.front(), args,
                                            std::vector<std::string>{"GST_DEBUG_NO_COLOR=1"});

  const auto line =
      process_->WaitForLine([](const std::string& l) { return ParseListeningPort(l) != 0; }, readyTimeout);
  if (!line) {
    const auto status = process_->WaitExit(std::chrono::milliseconds(0));
    const std::string why = status ? "it " + ChildProcess::DescribeWaitStatus(*status) + " before it was ready"
                                   : "it printed no \"" + std::string(kListeningPrefix) + "http://HOST:PORT\" line within " +
                                         std::to_string(readyTimeout.count()) + " ms";
    process_->Terminate(std::chrono::seconds(2));
    throw std::runtime_error("server " + binary + " did not start: " + why + "\n--- server output ---\n" +
                             process_->OutputTail());
  }
  port_ = ParseListeningPort(*line);
  rest_ = RestClient(kHost, port_);
  if (tls) {
    // Printed right after the http line.
    const auto tlsLine = process_->WaitForLine(
        [](const std::string& l) { return ParseListeningPort(l, "https") != 0; }, readyTimeout);
    if (!tlsLine) {
      process_->Terminate(std::chrono::seconds(2));
      throw std::runtime_error("server " + binary + " printed no https line\n--- server output ---\n" +
                               process_->OutputTail());
    }
    tlsPort_ = ParseListeningPort(*tlsLine, "https");
  }
}


std::unique_ptr<WsClient> ServerProcess::Connect() const { return std::make_unique<WsClient>(kHost, port_); }

}  // namespace plenum::test
