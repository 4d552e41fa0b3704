// The `plenum` command: the server (default) and its helper commands
// (PROTOCOL.md section 6), on Poco::Util::ServerApplication so it runs in
// the foreground or as a daemon and stops cleanly on SIGTERM/SIGINT.
#pragma once

#include <Poco/Util/ServerApplication.h>

namespace plenum::mcu {

class PlenumApp : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const std::vector<std::string>& args) override;

 private:
  int RunServer();
  int IssueToken();
  int VerifyArchive(const std::vector<std::string>& args);
  void PrintHelp();

  bool helpRequested_ = false;
  bool versionRequested_ = false;
};

}  // namespace plenum::mcu
