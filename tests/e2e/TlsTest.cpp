// HTTPS and WSS: the server makes a self-signed certificate at its first
// start, keeps it private in its data directory, reports its fingerprint
// and serves it on later starts; the API, the page and /ws work over TLS;
// certificate and key files that cannot be used stop the server with a
// message naming them, and are never replaced.

#include "support/E2eExpectations.hpp"
#include "testclient/ChildProcess.hpp"
#include "testclient/ServerProcess.hpp"
#include "testclient/TemporaryDirectory.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/Net/X509Certificate.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/OpenSslOwners.hpp"
#include "support/RawConnection.hpp"
#include "testclient/TimeoutScale.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kFingerprintMarker = "SHA-256 fingerprint ";
constexpr int kExitConfig = 78;  // EX_CONFIG

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned Mode(const fs::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_mode & 0777 : 0;
}

// "AB:CD:..." of the certificate a TLS server presents.
std::string Fingerprint(const Poco::Net::X509Certificate& certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  X509_digest(certificate.certificate(), EVP_sha256(), digest, &length);
  char* hex = OPENSSL_buf2hexstr(digest, static_cast<long>(length));
  const std::string text = hex ? hex : "";
  OPENSSL_free(hex);
  return text;
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Poco::Net::initializeSSL();
    // A client that takes the self-signed certificate, as a person does
    // after comparing its fingerprint.
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    context_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> acceptAll(new Poco::Net::AcceptCertificateHandler(false));
    Poco::Net::SSLManager::instance().initializeClient(nullptr, acceptAll, context_);
  }

  static void TearDownTestSuite() {
    context_ = nullptr;
    Poco::Net::uninitializeSSL();
  }

  // The fingerprint the server printed at start.
  static std::string ReportedFingerprint(const ChildProcess& process) {
    const auto line = process.WaitForLine(
        [](const std::string& l) { return l.find(kFingerprintMarker) != std::string::npos; }, 0ms);
    if (!line) return {};
    return line->substr(line->find(kFingerprintMarker) + std::char_traits<char>::length(kFingerprintMarker));
  }

  static std::unique_ptr<Poco::Net::HTTPSClientSession> Session(const ServerProcess& server) {
    auto session =
        std::make_unique<Poco::Net::HTTPSClientSession>(ServerProcess::kHost, server.TlsPort(), context_);
    session->setTimeout(Poco::Timespan(10, 0));
    return session;
  }

  // Runs the server on `args` and expects it to refuse to start.
  static void ExpectRefusal(const std::vector<std::string>& args, const std::string& named) {
    ChildProcess process(ServerProcess::BinaryFromEnvironment(), args);
    const auto status = process.WaitExit(20s);
    ASSERT_TRUE(status) << "the server started anyway:\n" << process.Terminate().waitStatus << process.OutputTail();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == kExitConfig)
        << ChildProcess::DescribeWaitStatus(*status) << "\n" << process.OutputTail();
    EXPECT_NE(process.OutputTail().find(named), std::string::npos)
        << "the message does not name " << named << ":\n" << process.OutputTail();
    EXPECT_EQ(process.OutputTail().find("listening"), std::string::npos) << process.OutputTail();
  }

  static Poco::Net::Context::Ptr context_;
};

Poco::Net::Context::Ptr TlsTest::context_;

TEST_F(TlsTest, ASelfSignedCertificateIsMadeOnceKeptPrivateAndServed) {
  TemporaryDirectory data("plenum-tls-data");
  const fs::path certificate = fs::path(data.Path()) / "tls" / "cert.pem";
  const fs::path key = fs::path(data.Path()) / "tls" / "key.pem";
  std::string first;
  {
    ServerProcess server({"--data-dir=" + data.Path()});
    first = ReportedFingerprint(server.Process());
    ASSERT_FALSE(first.empty()) << server.OutputTail();
    EXPECT_NE(server.OutputTail().find("made now"), std::string::npos) << server.OutputTail();
    EXPECT_EQ(Mode(certificate), 0600u);
    EXPECT_EQ(Mode(key), 0600u);
    EXPECT_EQ(Mode(certificate.parent_path()), 0700u);

    auto session = Session(server);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
    session->sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& body = session->receiveResponse(response);
    std::string text;
    Poco::StreamCopier::copyToString(body, text);
    EXPECT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_OK);
    EXPECT_EQ(text, "ok\n");
    EXPECT_EQ(Fingerprint(session->serverCertificate()), first) << "the logged fingerprint is not the one served";
    EXPECT_TRUE(session->serverCertificate().verify("localhost"));
    EXPECT_TRUE(session->serverCertificate().verify(ServerProcess::kHost));
  }
  const std::string keyBefore = ReadFile(key);
  ServerProcess again({"--data-dir=" + data.Path()});
  EXPECT_EQ(ReportedFingerprint(again.Process()), first) << "a second start did not reuse the certificate";
  EXPECT_EQ(again.OutputTail().find("made now"), std::string::npos) << again.OutputTail();
  EXPECT_EQ(ReadFile(key), keyBefore);
}

TEST_F(TlsTest, SignalingAndTheApiWorkOverTls) {
  ServerProcess server;
  auto session = Session(server);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/ws", Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTTPResponse response;
  Poco::Net::WebSocket socket(*session, request, response);
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string join = R"({"type":"join","room":")" + UniqueRoom("wss") + R"(","name":"secure"})";
  socket.sendFrame(join.data(), static_cast<int>(join.size()));
  char buffer[4096];
  int flags = 0;
  const int n = socket.receiveFrame(buffer, sizeof buffer, flags);
  ASSERT_GT(n, 0);
  const auto reply = Poco::JSON::Parser().parse(std::string(buffer, static_cast<std::size_t>(n)))
                         .extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(reply->getValue<std::string>("type"), "joined") << std::string(buffer, static_cast<std::size_t>(n));
  socket.shutdown();

  auto api = Session(server);
  Poco::Net::HTTPRequest rooms(Poco::Net::HTTPRequest::HTTP_GET, "/api/v1/rooms", Poco::Net::HTTPMessage::HTTP_1_1);
  api->sendRequest(rooms);
  Poco::Net::HTTPResponse roomsResponse;
  std::string roomsBody;
  Poco::StreamCopier::copyToString(api->receiveResponse(roomsResponse), roomsBody);
  EXPECT_EQ(roomsResponse.getStatus(), Poco::Net::HTTPResponse::HTTP_OK) << roomsBody;
  EXPECT_NE(roomsBody.find("\"rooms\""), std::string::npos) << roomsBody;
}

// A TLS client on memory BIOs over a RawConnection, so that the test
// decides which encrypted bytes go out when.
class ManualTlsClient {
 public:
  explicit ManualTlsClient(std::uint16_t port)
      : connection_("127.0.0.1", ServerProcess::kHost, port), context_(SSL_CTX_new(TLS_client_method())) {
    SSL_CTX_set_verify(context_.get(), SSL_VERIFY_NONE, nullptr);
    ssl_.reset(SSL_new(context_.get()));
    incoming_ = BIO_new(BIO_s_mem());
    outgoing_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_.get(), incoming_, outgoing_);  // the SSL owns both now
    SSL_set_connect_state(ssl_.get());
  }

  // Handshake, then `bytes` in full; false on failure.
  bool HandshakeAndSend(const std::string& bytes) {
    for (int round = 0; round < 20 && SSL_do_handshake(ssl_.get()) != 1; ++round) {
      if (!Flush() || !Pump()) return false;
    }
    return SSL_is_init_finished(ssl_.get()) && Write(bytes) && Flush();
  }
  // Encrypts `bytes` and returns the records, unsent.
  std::string Seal(const std::string& bytes) {
    Write(bytes);
    return Pending();
  }
  bool SendRaw(const std::string& records) { return connection_.Send(records); }
  // Decrypted bytes that arrive within `timeout` (scaled), appended until
  // `marker` is among them.
  std::string ReadUntil(const std::string& marker, std::chrono::milliseconds timeout) {
    std::string plain;
    const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
    char buffer[4096];
    while (plain.find(marker) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
      if (n > 0) {
        plain.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (!Pump()) break;
    }
    return plain;
  }

 private:
  bool Write(const std::string& bytes) { return SSL_write(ssl_.get(), bytes.data(), static_cast<int>(bytes.size())) > 0; }
  std::string Pending() {
    std::string records;
    char buffer[4096];
    int n = 0;
    while ((n = BIO_read(outgoing_, buffer, sizeof buffer)) > 0) records.append(buffer, static_cast<std::size_t>(n));
    return records;
  }
  bool Flush() {
    const std::string records = Pending();
    return records.empty() || connection_.Send(records);
  }
  bool Pump() {
    const std::string bytes = connection_.Receive(5s);
    if (bytes.empty()) return false;
    BIO_write(incoming_, bytes.data(), static_cast<int>(bytes.size()));
    return true;
  }

  RawConnection connection_;
  common::SslContextPtr context_;
  common::SslPtr ssl_;
  BIO* incoming_ = nullptr;  // owned by ssl_
  BIO* outgoing_ = nullptr;  // owned by ssl_
};

// One thread serves every WebSocket, TLS ones too: a wss client that stops
// in the middle of a TLS record must hold up no one (Poco's TLS socket
// would wait for the rest of the record for as long as its timeout), and
// its message is handled once the rest arrives.
TEST_F(TlsTest, AWssClientStoppingMidRecordHoldsUpNoOne) {
  ServerProcess server;
  ManualTlsClient stalled(server.TlsPort());
  const std::string upgrade =
      "GET /ws HTTP/1.1\r\nHost: plenum\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ASSERT_TRUE(stalled.HandshakeAndSend(upgrade)) << server.OutputTail();
  ASSERT_NE(stalled.ReadUntil("\r\n\r\n", 5s).find("101"), std::string::npos) << server.OutputTail();
  const std::string records = stalled.Seal(RawConnection::TextFrame(R"({"type":"offer","sdp":"v=0"})"));
  ASSERT_TRUE(stalled.SendRaw(records.substr(0, records.size() / 2)));

  WsClient plain(ServerProcess::kHost, server.Port());
  plain.Send(JoinMessage(UniqueRoom("wss-stall"), "plain"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(plain.WaitFor("joined", 5s)) << server.OutputTail();
  EXPECT_LT(std::chrono::steady_clock::now() - start, Scaled(3s)) << "a stalled TLS client held up another";

  ASSERT_TRUE(stalled.SendRaw(records.substr(records.size() / 2)));
  EXPECT_NE(stalled.ReadUntil("not-joined", 5s).find("not-joined"), std::string::npos) << server.OutputTail();
}

TEST_F(TlsTest, TlsCanBeTurnedOff) {
  ServerProcess server({"--tls-port=off"});
  EXPECT_EQ(server.TlsPort(), 0);
  EXPECT_EQ(server.OutputTail().find("https://"), std::string::npos) << server.OutputTail();
  EXPECT_FALSE(fs::exists(fs::path(server.DataDir()) / "tls")) << "a certificate was made for nothing";
}

TEST_F(TlsTest, UnusableFilesStopTheServerNamingThemAndAreLeftAlone) {
  TemporaryDirectory files("plenum-tls-files");
  const fs::path garbage = fs::path(files.Path()) / "garbage.pem";
  std::ofstream(garbage) << "this is no certificate\n";
  const std::vector<std::string> base{"--port=0", "--tls-port=0", "--bind=127.0.0.1", "--data-dir=" + files.Path()};

  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  // A missing file, a file that is not PEM, and half a pair.
  ExpectRefusal(with({"--tls-cert=/nonexistent/cert.pem", "--tls-key=/nonexistent/key.pem"}), "/nonexistent/cert.pem");
  ExpectRefusal(with({"--tls-cert=" + garbage.string(), "--tls-key=" + garbage.string()}), garbage.string());
  ExpectRefusal(with({"--tls-cert=" + garbage.string()}), "tls-key");
  EXPECT_EQ(ReadFile(garbage), "this is no certificate\n");

  // A self-signed pair of which one half was lost: named, and not remade.
  TemporaryDirectory data("plenum-tls-data");
  { ServerProcess made({"--data-dir=" + data.Path()}); }
  const fs::path key = fs::path(data.Path()) / "tls" / "key.pem";
  const fs::path certificate = fs::path(data.Path()) / "tls" / "cert.pem";
  const std::string certificateBefore = ReadFile(certificate);
  fs::remove(key);
  ExpectRefusal({"--port=0", "--tls-port=0", "--bind=127.0.0.1", "--data-dir=" + data.Path()}, key.string());
  EXPECT_FALSE(fs::exists(key));
  EXPECT_EQ(ReadFile(certificate), certificateBefore);

  // A key that is not the certificate's.
  TemporaryDirectory other("plenum-tls-other");
  { ServerProcess made({"--data-dir=" + other.Path()}); }
  const fs::path otherKey = fs::path(other.Path()) / "tls" / "key.pem";
  ExpectRefusal(with({"--tls-cert=" + certificate.string(), "--tls-key=" + otherKey.string()}), otherKey.string());
}

}  // namespace
}  // namespace plenum::test
