#include "mcu/daemon/PlenumApp.hpp"

#include "mcu/daemon/CrashReport.hpp"
#include "mcu/daemon/ServiceNotifier.hpp"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/IniFileConfiguration.h>
#include <Poco/Util/IntValidator.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>
#include <thread>

#include "mcu/Conference.hpp"
#include "mcu/ControlThread.hpp"
#include "mcu/Log.hpp"
#include "mcu/ServerConfig.hpp"
#include "mcu/TokenVerifier.hpp"
#include "recorder/ArchiveKey.hpp"
#include "recorder/ArchiveRecovery.hpp"
#include "recorder/ArchiveStore.hpp"
#include "recorder/ArchiveVerifier.hpp"
#include "mcu/Validation.hpp"
#include "mixer/MixerInit.hpp"
#include "signaling/HttpServer.hpp"
#include "signaling/TlsCertificate.hpp"

#ifndef PLENUM_VERSION
#define PLENUM_VERSION "dev"
#endif
#ifndef PLENUM_DEFAULT_WEB_ROOT
#define PLENUM_DEFAULT_WEB_ROOT "/usr/share/plenum/web"
#endif

namespace plenum::mcu {
namespace {

using Poco::Util::Option;

constexpr auto kShutdownDeadline = std::chrono::seconds(8);

struct ServerOption {
  const char* name;
  const char* argument;
  const char* help;
};

// Every server option: settable as --name=value or as `name = value` in
// the INI file given with --config (the command line wins).
constexpr ServerOption kServerOptions[] = {
    {"port", "N", "HTTP/WebSocket port (default 8080; 0 picks a free one)"},
    {"tls-port", "N", "HTTPS/WSS port (default 8443; 0 picks a free one; off: no HTTPS)"},
    {"tls-cert", "FILE", "HTTPS certificate, PEM (default: a self-signed one in the data directory)"},
    {"tls-key", "FILE", "private key of tls-cert, PEM, unencrypted"},
    {"data-dir", "DIR", "the server's own files, e.g. its TLS certificate (default ./data)"},
    {"bind", "ADDR", "address to listen on (default 0.0.0.0)"},
    {"recordings-dir", "DIR", "where recordings are written (default ./recordings)"},
    {"retention-days", "DAYS", "delete finished recordings older than this unless held (default 0: keep)"},
    {"recording-auto", "BOOL", "record every room from its first join (default false)"},
    {"recording-required", "BOOL", "a room that cannot be recorded refuses joins; implies recording-auto (default false)"},
    {"recording-segment-seconds", "N", "length of each segment of a room's recording (default 600)"},
    {"web-root", "DIR", "the browser client's files"},
    {"max-participants", "N", "default room capacity (default 16)"},
    {"auto-create-rooms", "BOOL", "a join may create its room (default true)"},
    {"max-connections", "N", "concurrent HTTP/WebSocket connections (default 2048)"},
    {"max-connections-per-address", "N", "connections one client address may hold (default 64; 0: no limit)"},
    {"joins-per-second-per-address", "N", "WebSockets one address may open a second, after a burst (default 10; 0: no limit)"},
    {"header-timeout-seconds", "N", "close a connection whose request headers are not all in by then (default 10)"},
    {"join-timeout-seconds", "N", "close a WebSocket that has not joined a room by then (default 10)"},
    {"control-stall-seconds", "N", "/healthz fails when the control thread is stuck this long (default 5)"},
    {"log-level", "LEVEL", "error, warning, info or debug, unless GST_DEBUG says otherwise (default info)"},
    {"log-target", "WHERE", "auto (journald when systemd connects stderr to it), console or journal (default auto)"},
    {"api-key", "KEY", "require 'Authorization: Bearer KEY' on /api/v1"},
    {"token-secret", "SECRET", "require HS256 room tokens signed with SECRET to join"},
    {"stun-server", "URL", "stun://host:port, for the server and its clients"},
    {"turn-servers", "URLS", "turn://user:pass@host:port, comma-separated"},
    {"public-ip", "ADDR", "public address of a 1:1 NAT in front of the server"},
    {"ice-local-address", "ADDRS", "gather ICE candidates only on these addresses"},
    {"ice-port-min", "N", "lowest UDP (and ICE-TCP) port for media"},
    {"ice-port-max", "N", "highest UDP (and ICE-TCP) port for media"},
    {"ice-tcp", "BOOL", "also offer passive ICE-TCP candidates, for clients without UDP (default true)"},
    {"jitter-latency-ms", "N", "jitter buffer per incoming stream (default 50)"},
    {"video-width", "N", "composite width (default 1280)"},
    {"video-height", "N", "composite height (default 720)"},
    {"video-framerate", "N", "composite frame rate (default 30)"},
    {"video-bitrate", "BPS", "composite VP8 bitrate (default 1500000)"},
    {"audio-bitrate", "BPS", "Opus bitrate per participant (default 32000)"},
    {"encoder-threads", "N", "VP8 encoder threads (default 1; more spin-wait)"},
    {"media-threads", "N", "media threads, each owning whole rooms (default 0: one per core)"},
    {"mixed-speakers", "K", "the loudest speakers decoded and mixed (default 3)"},
    {"broadcast-video-kbps", "N", "H.264 bitrate of a room's broadcasts, kbit/s (default 2500)"},
    {"broadcast-preset", "NAME", "x264 speed preset of broadcasts, ultrafast..veryslow (default veryfast)"},
    {"broadcast-audio-bitrate", "BPS", "AAC bitrate of broadcasts (default 128000)"},
    {"hls-segment-seconds", "N", "HLS segment length and broadcast keyframe interval (default 2)"},
    {"hls-playlist-length", "N", "segments in an HLS live playlist (default 6)"},
    // For `plenum token`.
    {"room", "ROOM", "token: the room the token admits to"},
    {"name", "NAME", "token: the name it imposes"},
    {"ttl", "SECONDS", "token: lifetime (default 3600)"},
    // For `plenum verify`.
    {"public-key", "FILE", "verify: require that this Ed25519 public key (PEM) signed"},
};

}  // namespace

void PlenumApp::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Option("help", "h", "print this help and exit"));
  options.addOption(Option("version", "", "print the version and exit"));
  options.addOption(Option("config", "c", "load options from an INI file").argument("FILE"));
  for (const ServerOption& option : kServerOptions) {
    options.addOption(Option(option.name, "", option.help).argument(option.argument).repeatable(false));
  }
}

void PlenumApp::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "help") {
    helpRequested_ = true;
    stopOptionsProcessing();
  } else if (name == "version") {
    versionRequested_ = true;
  } else if (name == "config") {
    // The contract says INI whatever the file is called; Poco's
    // loadConfiguration() would guess the format from the extension.
    config().add(new Poco::Util::IniFileConfiguration(value), PRIO_DEFAULT);
  } else {
    config().setString(name, value);
  }
}

void PlenumApp::PrintHelp() {
  Poco::Util::HelpFormatter help(options());
  help.setCommand("plenum");
  help.setUsage(
      "[OPTIONS]        run the server (http on 8080, https on 8443)\n"
      "       plenum token --room=ROOM [--name=NAME] [--ttl=SECONDS]\n"
      "       plenum verify DIRECTORY [--public-key=FILE]");
  help.setHeader("Plenum: an on-premises WebRTC conference server (MCU).");
  help.format(std::cout);
}

int PlenumApp::main(const std::vector<std::string>& args) {
  // Here, not earlier: Poco's Application::setup() installs handlers of its
  // own for SIGSEGV, SIGBUS, SIGILL and SIGSYS that call abort() without a
  // word, which turned a crash into a bare SIGABRT.
  InstallCrashReport();
  if (helpRequested_) {
    PrintHelp();
    return EXIT_OK;
  }
  if (versionRequested_) {
    std::cout << "plenum " << PLENUM_VERSION << "\n";
    return EXIT_OK;
  }
  if (!args.empty() && args[0] == "token") return IssueToken();
  if (!args.empty() && args[0] == "verify") return VerifyArchive(args);
  if (!args.empty()) {
    std::cerr << "plenum: unknown command '" << args[0] << "' (see --help)\n";
    return EXIT_USAGE;
  }
  return RunServer();
}

// Exit codes of `plenum verify`: 0 intact; 1 changed (the problem named);
// 2 a recording the server never sealed (it died; its next start seals
// it); 64 usage.
int PlenumApp::VerifyArchive(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::cerr << "plenum verify: usage: plenum verify DIRECTORY [--public-key=FILE]\n";
    return EXIT_USAGE;
  }
  std::optional<std::string> pinned;
  const std::string keyFile = config().getString("public-key", "");
  if (!keyFile.empty()) {
    std::ifstream in(keyFile);
    if (!in) {
      std::cerr << "plenum verify: cannot read " << keyFile << "\n";
      return EXIT_USAGE;
    }
    pinned = std::string(std::istreambuf_iterator<char>(in), {});
  }
  const recorder::ArchiveVerification result = recorder::VerifyArchive(args[1], pinned);
  switch (result.outcome) {
    case recorder::ArchiveVerification::Outcome::Intact:
      std::cout << args[1] << ": intact, " << result.state << ", " << result.entries
                << " journal entries, signed by " << result.signer << "\n";
      return 0;
    case recorder::ArchiveVerification::Outcome::Unsealed:
      std::cout << args[1] << ": interrupted, " << result.problem << "\n";
      return 2;
    case recorder::ArchiveVerification::Outcome::Tampered: break;
  }
  std::cout << args[1] << ": NOT INTACT: " << result.problem << "\n";
  return 1;
}

int PlenumApp::IssueToken() {
  constexpr int kMaxTtlSeconds = 366 * 24 * 3600;
  const std::string secret = config().getString("token-secret", "");
  const std::string room = config().getString("room", "");
  if (secret.empty() || room.empty()) {
    std::cerr << "plenum token: needs --room and a token-secret (option or config file)\n";
    return EXIT_USAGE;
  }
  std::optional<std::string> name;
  if (config().has("name")) name = config().getString("name");
  try {
    // A token for a room no join can name, or one that is born expired, is
    // an administrator's typo: say so instead of printing it.
    ValidateRoomId(room);
    if (name) ValidateName(*name);
  } catch (const std::exception& error) {
    std::cerr << "plenum token: " << error.what() << "\n";
    return EXIT_USAGE;
  }
  int ttl = 0;
  try {
    ttl = config().getInt("ttl", 3600);
  } catch (const Poco::Exception&) {
    ttl = 0;  // not a number: refused below
  }
  if (ttl <= 0 || ttl > kMaxTtlSeconds) {
    std::cerr << "plenum token: --ttl must be a whole number of seconds from 1 to " << kMaxTtlSeconds << "\n";
    return EXIT_USAGE;
  }
  std::cout << TokenVerifier(secret).Issue(room, name, std::chrono::seconds(ttl)) << "\n";
  return EXIT_OK;
}

namespace {

// An address as the host part of a URL: IPv6 in brackets.
std::string UrlHost(const std::string& address) {
  return address.find(':') == std::string::npos ? address : "[" + address + "]";
}

void ReportTlsIdentity(const signaling::TlsIdentity& tls) {
  std::cout << "plenum: TLS certificate " << tls.certificateFile;
  if (tls.selfSigned) std::cout << (tls.createdNow ? " (self-signed, made now)" : " (self-signed)");
  std::cout << ", SHA-256 fingerprint " << tls.sha256Fingerprint << std::endl;
  if (tls.createdNow) {
    std::cout << "plenum: its names:";
    for (const auto& name : tls.subjectAltNames) std::cout << " " << name;
    std::cout << std::endl;
  }
  if (tls.expired) std::cerr << "plenum: warning: the TLS certificate " << tls.certificateFile << " has expired\n";
}

// Where a person can open the page: 0.0.0.0 is no address for a browser.
void ReportWhereToOpen(const ServerConfig& config, const signaling::HttpServer& http, bool tls) {
  const bool everywhere = config.bind == "0.0.0.0" || config.bind == "::";
  const std::string local = everywhere ? "localhost" : UrlHost(config.bind);
  std::cout << "plenum: open http://" << local << ":" << http.port() << " on this machine";
  if (tls) {
    const std::string remote = everywhere ? signaling::MachineHostName() : UrlHost(config.bind);
    std::cout << ", https://" << remote << ":" << http.tlsPort() << " from others";
  }
  std::cout << std::endl;
}

}  // namespace

int PlenumApp::RunServer() {
  const std::vector<mixer::MissingElement> missing = mixer::InitMixer();
  InitLog();
  if (!missing.empty()) {
    std::set<std::string> packages;
    std::cerr << "plenum: missing GStreamer elements:";
    for (const auto& element : missing) {
      std::cerr << " " << element.factory << " (package " << element.package << ")";
      packages.insert(element.package);
    }
    std::cerr << "\nplenum: install them with: apt-get install";
    for (const auto& package : packages) std::cerr << " " << package;
    std::cerr << "   (or run scripts/setup.sh)\n";
    return EXIT_SOFTWARE;
  }
  ServerConfig serverConfig;
  try {
    serverConfig = ServerConfig::From(config(), PLENUM_DEFAULT_WEB_ROOT);
  } catch (const std::exception& error) {
    std::cerr << "plenum: bad configuration: " << error.what() << "\n";
    return EXIT_CONFIG;
  }
  ConfigureLog(serverConfig.log);

  std::optional<signaling::TlsIdentity> tls;
  if (serverConfig.tlsEnabled) {
    try {
      tls = serverConfig.tlsCert.empty()
                ? signaling::SelfSignedTlsIdentity(serverConfig.dataDir, signaling::MachineHostName(),
                                                   signaling::MachineAddresses())
                : signaling::LoadTlsIdentity(serverConfig.tlsCert, serverConfig.tlsKey);
    } catch (const std::exception& error) {
      std::cerr << "plenum: cannot use the TLS certificate: " << error.what() << "\n";
      return EXIT_CONFIG;
    }
    ReportTlsIdentity(*tls);
  }

  std::optional<recorder::ArchiveKey> archiveKey;
  try {
    bool created = false;
    archiveKey.emplace(recorder::ArchiveKey::LoadOrCreate(serverConfig.dataDir, &created));
    const recorder::ArchiveKey& key = *archiveKey;
    std::cout << "plenum: archive key " << key.path() << (created ? " (made now)" : "")
              << ", SHA-256 fingerprint " << key.fingerprint() << std::endl;
    // Recordings the last run was writing when it died. A recordings
    // directory that cannot be read is reported, not fatal.
    try {
      for (const recorder::RecoveredArchive& archive :
           recorder::SealInterruptedArchives(serverConfig.recordingsDir, key)) {
        (archive.sealed ? std::cout : std::cerr) << "plenum: interrupted recording " << archive.directory << ": "
                                                 << archive.detail << std::endl;
      }
    } catch (const std::exception& error) {
      std::cerr << "plenum: cannot look for interrupted recordings in " << serverConfig.recordingsDir << ": "
                << error.what() << std::endl;
    }
  } catch (const std::exception& error) {
    std::cerr << "plenum: cannot use the archive key: " << error.what() << "\n";
    return EXIT_CONFIG;
  }

  std::unique_ptr<recorder::ArchiveStore> archives;
  try {
    archives = std::make_unique<recorder::ArchiveStore>(serverConfig.recordingsDir, serverConfig.dataDir + "/archive");
  } catch (const std::exception& error) {
    std::cerr << "plenum: cannot keep the archives' audit journal: " << error.what() << "\n";
    return EXIT_CONFIG;
  }

  ControlThread control;
  Conference conference(serverConfig, control, *archiveKey, *archives);
  std::unique_ptr<signaling::HttpServer> http;
  try {
    http = std::make_unique<signaling::HttpServer>(serverConfig, conference, tls);
  } catch (const Poco::Exception& error) {
    std::cerr << "plenum: cannot listen on " << serverConfig.bind << " (ports " << serverConfig.port;
    if (tls) std::cerr << ", " << serverConfig.tlsPort;
    std::cerr << "): " << error.displayText() << "\n";
    return EXIT_OSERR;
  }
  http->Start();
  // Tests and scripts wait for these exact lines; they carry the real ports
  // when --port=0 or --tls-port=0 asked for free ones.
  std::cout << "plenum: listening on http://" << UrlHost(serverConfig.bind) << ":" << http->port() << std::endl;
  if (tls) {
    std::cout << "plenum: listening on https://" << UrlHost(serverConfig.bind) << ":" << http->tlsPort()
              << std::endl;
  }
  ReportWhereToOpen(serverConfig, *http, tls.has_value());
  ServiceNotifier notifier(conference);
  notifier.Ready();

  waitForTerminationRequest();

  std::cout << "plenum: shutting down" << std::endl;
  // An orderly stop closes every session and tears every room down; if a
  // stuck peer or element keeps that from finishing, leave anyway rather
  // than ignore the administrator's request.
  std::thread watchdog([] {
    std::this_thread::sleep_for(kShutdownDeadline);
    std::cerr << "plenum: shutdown did not finish in time; exiting" << std::endl;
    std::_Exit(EXIT_SOFTWARE);
  });
  watchdog.detach();
  notifier.Stopping();
  conference.Shutdown();
  http->Stop();
  return EXIT_OK;
}

}  // namespace plenum::mcu
