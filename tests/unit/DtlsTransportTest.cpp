// Two DtlsTransports, client and server, in one process: their datagrams go
// through a queue that the GMainContext drains from an idle source, never
// from inside a send, so each side sees the other's flights as it would
// from ICE. Waits are on events with a bound, never sleeps.
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cctype>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "transport/DtlsCertificate.hpp"
#include "transport/DtlsDatagrams.hpp"
#include "transport/DtlsTransport.hpp"
#include "transport/SrtpSession.hpp"

namespace plenum::transport {
namespace {

using namespace std::chrono_literals;

// A bound for one awaited event, far above what a handshake takes even
// with two retransmissions on a loaded machine or under valgrind.
constexpr std::chrono::milliseconds kEventTimeout = 10s;

struct ContextUnref {
  void operator()(GMainContext* context) const { g_main_context_unref(context); }
};
using ContextPtr = std::unique_ptr<GMainContext, ContextUnref>;

struct SourceDestroy {
  void operator()(GSource* source) const {
    g_source_destroy(source);
    g_source_unref(source);
  }
};
using SourcePtr = std::unique_ptr<GSource, SourceDestroy>;

class Link;

class Peer : public DtlsTransport::Listener {
 public:
  Peer(Link& link, const char* name) : link_(link), name_(name) {}

  void Create(GMainContext* context, std::shared_ptr<const DtlsCertificate> certificate,
              const std::vector<SrtpProfile>& profiles = {}) {
    certificate_ = certificate;
    transport = std::make_unique<DtlsTransport>(*this, std::move(certificate), context, profiles);
  }

  const char* name() const { return name_; }
  const DtlsCertificate& certificate() const { return *certificate_; }
  bool Settled() const { return keys.has_value() || !failures.empty() || closed > 0; }

  void OnDtlsSendPacket(DtlsTransport&, const uint8_t* data, size_t length) override;
  void OnDtlsConnected(DtlsTransport&, const SrtpKeys& connectedKeys) override {
    keys = connectedKeys;
    if (destroyOnConnected) transport.reset();
  }
  void OnDtlsFailed(DtlsTransport&, const std::string& reason) override {
    failures.push_back(reason);
    if (destroyOnFailed) transport.reset();
  }
  void OnDtlsClosed(DtlsTransport&) override { ++closed; }

  Peer* remote = nullptr;
  std::unique_ptr<DtlsTransport> transport;
  std::optional<SrtpKeys> keys;
  std::vector<std::string> failures;
  int closed = 0;
  size_t sent = 0;
  bool destroyOnConnected = false;
  bool destroyOnFailed = false;

 private:
  Link& link_;
  const char* name_;
  std::shared_ptr<const DtlsCertificate> certificate_;
};

// The network between the two: a queue drained by an idle source on the
// context, with a filter that may drop a datagram.
class Link {
 public:
  explicit Link(GMainContext* context) : context_(context) {}

  // `index` counts the sender's datagrams from 0.
  std::function<bool(const Peer& from, size_t index)> deliver = [](const Peer&, size_t) { return true; };

  void Send(Peer& from, const uint8_t* data, size_t length) {
    seen.emplace_back(data, data + length);
    largest = std::max(largest, length);
    if (!deliver(from, from.sent - 1)) return;
    queue_.push_back({from.remote, std::vector<uint8_t>(data, data + length)});
    if (!drain_) {
      drain_.reset(g_idle_source_new());
      g_source_set_callback(drain_.get(), &Link::Drain, this, nullptr);
      g_source_attach(drain_.get(), context_);
    }
  }

  bool Idle() const { return queue_.empty(); }

  std::vector<std::vector<uint8_t>> seen;  // every datagram, delivered or dropped
  size_t largest = 0;

 private:
  struct Datagram {
    Peer* to;
    std::vector<uint8_t> bytes;
  };

  static gboolean Drain(gpointer data) {
    auto* link = static_cast<Link*>(data);
    std::deque<Datagram> batch;
    batch.swap(link->queue_);
    // What the deliveries below send waits for the next idle dispatch.
    link->drain_.reset();
    for (const Datagram& datagram : batch) {
      if (datagram.to->transport) datagram.to->transport->ReceivePacket(datagram.bytes.data(), datagram.bytes.size());
    }
    return G_SOURCE_REMOVE;
  }

  GMainContext* context_;
  std::deque<Datagram> queue_;
  SourcePtr drain_;
};

void Peer::OnDtlsSendPacket(DtlsTransport&, const uint8_t* data, size_t length) {
  ++sent;
  link_.Send(*this, data, length);
}

class DtlsTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gst_init(nullptr, nullptr); }

  DtlsTransportTest() {
    client_.remote = &server_;
    server_.remote = &client_;
  }

  void Create(const std::vector<SrtpProfile>& clientProfiles = {},
              const std::vector<SrtpProfile>& serverProfiles = {}) {
    client_.Create(context_.get(), DtlsCertificate::Generate(), clientProfiles);
    server_.Create(context_.get(), DtlsCertificate::Generate(), serverProfiles);
  }

  static void Start(Peer& peer, DtlsRole role, const std::string& algorithm = "sha-256",
                    std::optional<std::string> fingerprint = std::nullopt) {
    peer.transport->Start(role, algorithm,
                          fingerprint ? *fingerprint
                                      : DtlsCertificate::FingerprintOf(peer.remote->certificate().Certificate(),
                                                                       algorithm));
  }

  void StartBoth() {
    Start(client_, DtlsRole::kClient);
    Start(server_, DtlsRole::kServer);
  }

  // Iterates the context until `done` or the bound; true if done.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = kEventTimeout) {
    bool expired = false;
    SourcePtr deadline(g_timeout_source_new(static_cast<guint>(timeout.count())));
    g_source_set_callback(
        deadline.get(),
        [](gpointer flag) -> gboolean {
          *static_cast<bool*>(flag) = true;
          return G_SOURCE_REMOVE;
        },
        &expired, nullptr);
    g_source_attach(deadline.get(), context_.get());
    while (!done() && !expired) g_main_context_iteration(context_.get(), TRUE);
    return done();
  }

  bool BothSettled() {
    return RunUntil([&] { return client_.Settled() && server_.Settled(); });
  }

  void ConnectBoth() {
    Create();
    StartBoth();
    ASSERT_TRUE(BothSettled());
    ASSERT_TRUE(client_.keys && server_.keys) << Failures();
  }

  std::string Failures() const {
    std::string text;
    for (const Peer* peer : {&client_, &server_}) {
      for (const std::string& reason : peer->failures) text += std::string(peer->name()) + ": " + reason + "\n";
    }
    return text;
  }

  ContextPtr context_{g_main_context_new()};
  Link link_{context_.get()};
  Peer client_{link_, "client"};
  Peer server_{link_, "server"};
};

void ExpectKeysCrossMatch(const SrtpKeys& client, const SrtpKeys& server, SrtpProfile profile) {
  EXPECT_EQ(client.profile, profile);
  EXPECT_EQ(server.profile, profile);
  EXPECT_EQ(client.localMasterKeyAndSalt.size(), SrtpMasterKeyAndSaltLength(profile));
  EXPECT_EQ(client.remoteMasterKeyAndSalt.size(), SrtpMasterKeyAndSaltLength(profile));
  EXPECT_EQ(client.localMasterKeyAndSalt, server.remoteMasterKeyAndSalt);
  EXPECT_EQ(client.remoteMasterKeyAndSalt, server.localMasterKeyAndSalt);
  EXPECT_NE(client.localMasterKeyAndSalt, client.remoteMasterKeyAndSalt);
}

// The keys work as SRTP keys: what the client protects the server opens.
void ExpectSrtpFlows(const SrtpKeys& sender, const SrtpKeys& receiver) {
  SrtpSession out(SrtpSession::Direction::kOutbound, sender.profile, sender.localMasterKeyAndSalt);
  SrtpSession in(SrtpSession::Direction::kInbound, receiver.profile, receiver.remoteMasterKeyAndSalt);
  std::vector<uint8_t> packet(12 + 40 + SrtpSession::kMaxTrailer, 0xAB);
  packet[0] = 0x80;
  packet[1] = 96;
  size_t length = 12 + 40;
  ASSERT_TRUE(out.ProtectRtp(packet.data(), length, packet.size()));
  EXPECT_TRUE(in.UnprotectRtp(packet.data(), length));
  EXPECT_EQ(length, 12u + 40u);
}

struct ProfileCase {
  const char* name;
  std::vector<SrtpProfile> client;
  std::vector<SrtpProfile> server;
  std::optional<SrtpProfile> expected;  // none: no profile in common
};
void PrintTo(const ProfileCase& c, std::ostream* os) { *os << c.name; }

class DtlsProfileTest : public DtlsTransportTest, public ::testing::WithParamInterface<ProfileCase> {};

TEST_P(DtlsProfileTest, ConnectsWithTheNegotiatedProfile) {
  const ProfileCase& c = GetParam();
  Create(c.client, c.server);
  StartBoth();
  ASSERT_TRUE(BothSettled()) << "client sent " << client_.sent << ", server sent " << server_.sent;
  if (!c.expected) {
    EXPECT_EQ(client_.transport->GetState(), DtlsTransport::State::kFailed);
    EXPECT_EQ(server_.transport->GetState(), DtlsTransport::State::kFailed);
    ASSERT_EQ(client_.failures.size(), 1u);
    ASSERT_EQ(server_.failures.size(), 1u);
    EXPECT_NE(client_.failures[0].find("SRTP profile"), std::string::npos) << client_.failures[0];
    EXPECT_NE(server_.failures[0].find("SRTP profile"), std::string::npos) << server_.failures[0];
    return;
  }
  ASSERT_TRUE(client_.keys && server_.keys) << Failures();
  EXPECT_EQ(client_.transport->GetState(), DtlsTransport::State::kConnected);
  EXPECT_EQ(server_.transport->GetState(), DtlsTransport::State::kConnected);
  ExpectKeysCrossMatch(*client_.keys, *server_.keys, *c.expected);
  ExpectSrtpFlows(*client_.keys, *server_.keys);
  ExpectSrtpFlows(*server_.keys, *client_.keys);
  EXPECT_LE(link_.largest, DtlsTransport::kMtu);
}

using enum SrtpProfile;
INSTANTIATE_TEST_SUITE_P(
    Profiles, DtlsProfileTest,
    ::testing::Values(ProfileCase{"BothDefaultPickGcm", {}, {}, kAeadAes128Gcm},
                      ProfileCase{"ClientOffersOnlySha1", {kAes128CmSha1_80}, {}, kAes128CmSha1_80},
                      ProfileCase{"ServerAcceptsOnlySha1", {}, {kAes128CmSha1_80}, kAes128CmSha1_80},
                      ProfileCase{"ClientOffersOnlyGcm", {kAeadAes128Gcm}, {}, kAeadAes128Gcm},
                      ProfileCase{"ServerPreferenceWins", {kAes128CmSha1_80, kAeadAes128Gcm}, {}, kAeadAes128Gcm},
                      ProfileCase{"NothingInCommonFails", {kAeadAes128Gcm}, {kAes128CmSha1_80}, std::nullopt}),
    [](const ::testing::TestParamInfo<ProfileCase>& info) { return std::string(info.param.name); });

struct AlgorithmCase {
  const char* name;
  const char* algorithm;
  bool lowercase;  // the peer wrote its fingerprint in lowercase hex
};
void PrintTo(const AlgorithmCase& c, std::ostream* os) { *os << c.name; }

class DtlsAlgorithmTest : public DtlsTransportTest, public ::testing::WithParamInterface<AlgorithmCase> {};

TEST_P(DtlsAlgorithmTest, AcceptsTheMatchingFingerprint) {
  const AlgorithmCase& c = GetParam();
  Create();
  for (Peer* peer : {&client_, &server_}) {
    std::string fingerprint = DtlsCertificate::FingerprintOf(peer->remote->certificate().Certificate(), c.algorithm);
    ASSERT_FALSE(fingerprint.empty());
    if (c.lowercase) {
      for (char& ch : fingerprint) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    Start(*peer, peer == &client_ ? DtlsRole::kClient : DtlsRole::kServer, c.algorithm, fingerprint);
  }
  ASSERT_TRUE(BothSettled());
  EXPECT_TRUE(client_.keys && server_.keys) << Failures();
}

INSTANTIATE_TEST_SUITE_P(Algorithms, DtlsAlgorithmTest,
                         ::testing::Values(AlgorithmCase{"Sha1", "sha-1", false},
                                           AlgorithmCase{"Sha256", "sha-256", false},
                                           AlgorithmCase{"Sha384", "sha-384", false},
                                           AlgorithmCase{"Sha512", "sha-512", false},
                                           AlgorithmCase{"UppercaseNameLowercaseHex", "SHA-256", true}),
                         [](const ::testing::TestParamInfo<AlgorithmCase>& info) {
                           return std::string(info.param.name);
                         });

struct WrongFingerprintCase {
  const char* name;
  bool clientChecksWrong;  // else the server holds the wrong fingerprint
  const char* algorithm;
};
void PrintTo(const WrongFingerprintCase& c, std::ostream* os) { *os << c.name; }

class DtlsWrongFingerprintTest : public DtlsTransportTest,
                                 public ::testing::WithParamInterface<WrongFingerprintCase> {};

TEST_P(DtlsWrongFingerprintTest, FailsOnTheCheckingSide) {
  const WrongFingerprintCase& c = GetParam();
  Create();
  Peer& checker = c.clientChecksWrong ? client_ : server_;
  Peer& other = c.clientChecksWrong ? server_ : client_;
  // A fingerprint of a certificate that is not the peer's.
  auto stranger = DtlsCertificate::Generate();
  Start(client_, DtlsRole::kClient, c.algorithm,
        c.clientChecksWrong ? DtlsCertificate::FingerprintOf(stranger->Certificate(), c.algorithm)
                            : DtlsCertificate::FingerprintOf(server_.certificate().Certificate(), c.algorithm));
  Start(server_, DtlsRole::kServer, c.algorithm,
        c.clientChecksWrong ? DtlsCertificate::FingerprintOf(client_.certificate().Certificate(), c.algorithm)
                            : DtlsCertificate::FingerprintOf(stranger->Certificate(), c.algorithm));
  ASSERT_TRUE(RunUntil([&] { return checker.Settled(); }));
  EXPECT_EQ(checker.transport->GetState(), DtlsTransport::State::kFailed);
  ASSERT_EQ(checker.failures.size(), 1u);
  EXPECT_NE(checker.failures[0].find("a=fingerprint"), std::string::npos) << checker.failures[0];
  EXPECT_FALSE(checker.keys);
  // The other side hears bad_certificate and never connects either.
  ASSERT_TRUE(RunUntil([&] { return other.Settled(); }));
  EXPECT_FALSE(other.keys);
  ASSERT_EQ(other.failures.size(), 1u);
  EXPECT_NE(other.failures[0].find("bad certificate"), std::string::npos) << other.failures[0];
}

INSTANTIATE_TEST_SUITE_P(Sides, DtlsWrongFingerprintTest,
                         ::testing::Values(WrongFingerprintCase{"ClientChecks", true, "sha-256"},
                                           WrongFingerprintCase{"ServerChecks", false, "sha-256"},
                                           WrongFingerprintCase{"ClientChecksSha1", true, "sha-1"}),
                         [](const ::testing::TestParamInfo<WrongFingerprintCase>& info) {
                           return std::string(info.param.name);
                         });

TEST_F(DtlsTransportTest, UnknownAlgorithmFailsAtStart) {
  Create();
  Start(client_, DtlsRole::kClient, "md5", "00:11");
  EXPECT_EQ(client_.transport->GetState(), DtlsTransport::State::kFailed);
  ASSERT_EQ(client_.failures.size(), 1u);
  EXPECT_NE(client_.failures[0].find("md5"), std::string::npos);
  EXPECT_EQ(client_.sent, 0u) << "no ClientHello for a peer we cannot check";
}

TEST_F(DtlsTransportTest, PacketsBeforeStartAreKept) {
  Create();
  Start(client_, DtlsRole::kClient);
  // The ClientHello reaches a server that does not know ICE is up yet.
  ASSERT_TRUE(RunUntil([&] { return client_.sent > 0 && link_.Idle(); }));
  EXPECT_EQ(server_.transport->GetState(), DtlsTransport::State::kNew);
  EXPECT_EQ(server_.sent, 0u);
  Start(server_, DtlsRole::kServer);
  EXPECT_GT(server_.sent, 0u) << "Start() answered the kept ClientHello at once";
  ASSERT_TRUE(BothSettled());
  EXPECT_TRUE(client_.keys && server_.keys) << Failures();
}

struct LossCase {
  const char* name;
  bool fromClient;
  size_t index;  // of the sender's datagrams
};
void PrintTo(const LossCase& c, std::ostream* os) { *os << c.name; }

class DtlsLossTest : public DtlsTransportTest, public ::testing::WithParamInterface<LossCase> {};

TEST_P(DtlsLossTest, LostFlightIsRetransmittedByTheTimer) {
  const LossCase& c = GetParam();
  bool dropped = false;
  link_.deliver = [&](const Peer& from, size_t index) {
    if ((&from == &client_) == c.fromClient && index == c.index) {
      dropped = true;
      return false;
    }
    return true;
  };
  Create();
  StartBoth();
  ASSERT_TRUE(BothSettled());
  EXPECT_TRUE(dropped);
  EXPECT_TRUE(client_.keys && server_.keys) << Failures();
  ExpectKeysCrossMatch(*client_.keys, *server_.keys, SrtpProfile::kAeadAes128Gcm);
}

INSTANTIATE_TEST_SUITE_P(Flights, DtlsLossTest,
                         ::testing::Values(LossCase{"ClientHello", true, 0},
                                           LossCase{"ServerHelloFlight", false, 0},
                                           LossCase{"ClientFinishedFlight", true, 1},
                                           LossCase{"ServerFinishedFlight", false, 1}),
                         [](const ::testing::TestParamInfo<LossCase>& info) { return std::string(info.param.name); });

struct CloseCase {
  const char* name;
  bool clientCloses;
};
void PrintTo(const CloseCase& c, std::ostream* os) { *os << c.name; }

class DtlsCloseTest : public DtlsTransportTest, public ::testing::WithParamInterface<CloseCase> {};

TEST_P(DtlsCloseTest, CloseNotifyReachesThePeer) {
  ConnectBoth();
  Peer& closer = GetParam().clientCloses ? client_ : server_;
  Peer& peer = GetParam().clientCloses ? server_ : client_;
  closer.transport->Close();
  EXPECT_EQ(closer.transport->GetState(), DtlsTransport::State::kClosed);
  ASSERT_TRUE(RunUntil([&] { return peer.closed > 0; }));
  EXPECT_EQ(peer.transport->GetState(), DtlsTransport::State::kClosed);
  // The peer's answering close_notify reaches a closed transport: no event.
  ASSERT_TRUE(RunUntil([&] { return link_.Idle(); }));
  EXPECT_EQ(closer.closed, 0);
  EXPECT_EQ(peer.closed, 1);
  EXPECT_TRUE(closer.failures.empty() && peer.failures.empty()) << Failures();
}

INSTANTIATE_TEST_SUITE_P(Sides, DtlsCloseTest,
                         ::testing::Values(CloseCase{"ClientCloses", true}, CloseCase{"ServerCloses", false}),
                         [](const ::testing::TestParamInfo<CloseCase>& info) { return std::string(info.param.name); });

TEST_F(DtlsTransportTest, CloseBeforeConnectingSendsNothingAndReportsNothing) {
  Create();
  Start(client_, DtlsRole::kClient);
  const size_t sent = client_.sent;
  client_.transport->Close();
  EXPECT_EQ(client_.transport->GetState(), DtlsTransport::State::kClosed);
  EXPECT_EQ(client_.sent, sent);
  EXPECT_FALSE(client_.Settled());
}

// Datagrams that look like DTLS (first byte 20..63) and are not: broken
// headers, lengths past the end, random bodies, and every datagram of a real
// handshake cut short or replayed.
std::vector<std::vector<uint8_t>> Garbage(const std::vector<std::vector<uint8_t>>& realDatagrams) {
  std::vector<std::vector<uint8_t>> garbage = {
      {22},
      {22, 0xFE, 0xFD},
      {22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF},         // length past the end
      {22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0},               // empty handshake record
      {23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4},   // application data, bad MAC
      {20, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 1, 1},            // ChangeCipherSpec in epoch 1
      {21, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40},        // an unencrypted fatal alert in epoch 1
      {63, 0xFE, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3},      // unknown content type, DTLS 1.0
  };
  std::mt19937 random(20260101);
  std::uniform_int_distribution<int> firstByte(20, 63);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(1, 1300);
  for (int i = 0; i < 200; ++i) {
    std::vector<uint8_t> datagram(length(random));
    for (uint8_t& b : datagram) b = static_cast<uint8_t>(byte(random));
    datagram[0] = static_cast<uint8_t>(firstByte(random));
    garbage.push_back(std::move(datagram));
  }
  for (const std::vector<uint8_t>& real : realDatagrams) {
    for (size_t cut : {size_t{1}, size_t{12}, size_t{13}, size_t{14}, real.size() / 2, real.size() - 1}) {
      if (cut > 0 && cut < real.size()) garbage.emplace_back(real.begin(), real.begin() + static_cast<long>(cut));
    }
    std::vector<uint8_t> flipped = real;
    flipped[flipped.size() / 2] ^= 0x40;
    garbage.push_back(std::move(flipped));
    garbage.push_back(real);  // replayed whole
  }
  return garbage;
}

void ExpectConnectedOrCleanlyFailed(const Peer& peer) {
  const DtlsTransport::State state = peer.transport->GetState();
  if (state == DtlsTransport::State::kFailed) {
    EXPECT_EQ(peer.failures.size(), 1u) << peer.name();
  } else {
    EXPECT_EQ(state, DtlsTransport::State::kConnected) << peer.name();
    EXPECT_TRUE(peer.failures.empty()) << peer.name();
  }
}

TEST_F(DtlsTransportTest, GarbageAfterConnectingNeverBreaksTheConnection) {
  ConnectBoth();
  const std::vector<std::vector<uint8_t>> garbage = Garbage(link_.seen);
  for (const std::vector<uint8_t>& datagram : garbage) {
    for (Peer* peer : {&client_, &server_}) {
      if (peer->transport->GetState() == DtlsTransport::State::kConnected) {
        peer->transport->ReceivePacket(datagram.data(), datagram.size());
      }
    }
  }
  client_.transport->ReceivePacket(nullptr, 0);
  ASSERT_TRUE(RunUntil([&] { return link_.Idle(); }));
  ExpectConnectedOrCleanlyFailed(client_);
  ExpectConnectedOrCleanlyFailed(server_);
  // DTLS discards what it cannot authenticate (RFC 6347 4.1.2.7): none of
  // this is a reason to drop a call.
  EXPECT_TRUE(client_.failures.empty() && server_.failures.empty()) << Failures();
  // Still alive: a close_notify still gets through.
  if (client_.transport->GetState() == DtlsTransport::State::kConnected &&
      server_.transport->GetState() == DtlsTransport::State::kConnected) {
    client_.transport->Close();
    EXPECT_TRUE(RunUntil([&] { return server_.closed > 0; }));
  }
}

TEST_F(DtlsTransportTest, GarbageDuringTheHandshakeConnectsOrFailsCleanly) {
  // A handshake to learn real datagrams from, then a new pair that gets
  // them, cut and mixed with noise, while it handshakes.
  ConnectBoth();
  const std::vector<std::vector<uint8_t>> garbage = Garbage(link_.seen);
  Link link(context_.get());
  Peer client(link, "client");
  Peer server(link, "server");
  client.remote = &server;
  server.remote = &client;
  client.Create(context_.get(), DtlsCertificate::Generate());
  server.Create(context_.get(), DtlsCertificate::Generate());
  Start(client, DtlsRole::kClient);
  Start(server, DtlsRole::kServer);
  size_t next = 0;
  // A slice of the noise on every turn of the loop, until both connect or
  // one fails (the other may then wait for a peer gone quiet, as it would
  // on a real network, until its own retransmissions give up).
  const bool settled = RunUntil([&] {
    for (int i = 0; i < 8 && next < garbage.size(); ++i, ++next) {
      Peer& target = next % 2 == 0 ? server : client;
      target.transport->ReceivePacket(garbage[next].data(), garbage[next].size());
    }
    return (client.keys && server.keys) || !client.failures.empty() || !server.failures.empty();
  });
  ASSERT_TRUE(settled) << "fed " << next << " of " << garbage.size();
  for (const Peer* peer : {&client, &server}) {
    EXPECT_LE(peer->failures.size(), 1u) << peer->name();
    if (!peer->failures.empty()) {
      EXPECT_EQ(peer->transport->GetState(), DtlsTransport::State::kFailed) << peer->failures[0];
    } else if (!peer->keys) {
      EXPECT_EQ(peer->transport->GetState(), DtlsTransport::State::kConnecting) << peer->name();
    } else {
      EXPECT_EQ(peer->transport->GetState(), DtlsTransport::State::kConnected) << peer->name();
    }
  }
  if (client.keys && server.keys) ExpectKeysCrossMatch(*client.keys, *server.keys, SrtpProfile::kAeadAes128Gcm);
  GTEST_LOG_(INFO) << "after " << next << " garbage datagrams: " << (client.keys ? "client connected" : "client not connected")
                   << ", " << (server.keys ? "server connected" : "server not connected");
}

TEST_F(DtlsTransportTest, NoFailureIsReportedTwice) {
  Create();
  Start(client_, DtlsRole::kClient, "sha-256", "00:11:22");
  Start(server_, DtlsRole::kServer);
  ASSERT_TRUE(BothSettled());
  ASSERT_EQ(client_.failures.size(), 1u);
  // The server keeps talking to a failed client.
  for (const std::vector<uint8_t>& datagram : link_.seen) {
    client_.transport->ReceivePacket(datagram.data(), datagram.size());
  }
  ASSERT_TRUE(RunUntil([&] { return link_.Idle(); }));
  EXPECT_EQ(client_.failures.size(), 1u);
}

TEST_F(DtlsTransportTest, ListenerMayDestroyTheTransportWhenConnected) {
  Create();
  server_.destroyOnConnected = true;
  StartBoth();
  // The server's last flight left before it was destroyed.
  ASSERT_TRUE(RunUntil([&] { return server_.keys && client_.Settled(); }));
  EXPECT_FALSE(server_.transport);
  EXPECT_TRUE(client_.keys) << Failures();
}

TEST_F(DtlsTransportTest, ListenerMayDestroyTheTransportWhenFailed) {
  Create();
  client_.destroyOnFailed = true;
  Start(client_, DtlsRole::kClient, "sha-256", "00:11:22");
  Start(server_, DtlsRole::kServer);
  ASSERT_TRUE(RunUntil([&] { return !client_.failures.empty(); }));
  EXPECT_FALSE(client_.transport);
  ASSERT_TRUE(RunUntil([&] { return link_.Idle(); }));
}

struct PackCase {
  const char* name;
  std::vector<size_t> bodies;  // record body lengths, written in order
  size_t truncateBy;           // bytes cut off the end of the whole
  std::vector<size_t> expected;
};
void PrintTo(const PackCase& c, std::ostream* os) { *os << c.name; }

class DtlsDatagramsTest : public ::testing::TestWithParam<PackCase> {};

TEST_P(DtlsDatagramsTest, RecordsArePackedUpToTheMtu) {
  const PackCase& c = GetParam();
  std::vector<uint8_t> bytes;
  for (size_t body : c.bodies) {
    const uint8_t header[kDtlsRecordHeaderLength] = {22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0,
                                                     static_cast<uint8_t>(body >> 8), static_cast<uint8_t>(body)};
    bytes.insert(bytes.end(), header, header + kDtlsRecordHeaderLength);
    bytes.insert(bytes.end(), body, 0x5A);
  }
  bytes.resize(bytes.size() - c.truncateBy);
  std::vector<size_t> sizes;
  const uint8_t* expectedStart = bytes.data();
  for (std::span<const uint8_t> datagram : PackDtlsRecords(bytes, 1200)) {
    EXPECT_EQ(datagram.data(), expectedStart) << "in order, nothing skipped";
    expectedStart += datagram.size();
    sizes.push_back(datagram.size());
  }
  EXPECT_EQ(sizes, c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Records, DtlsDatagramsTest,
    ::testing::Values(PackCase{"Nothing", {}, 0, {}}, PackCase{"OneSmall", {100}, 0, {113}},
                      PackCase{"AFlightInOne", {100, 200, 300}, 0, {639}},
                      PackCase{"ExactlyTheMtu", {1187}, 0, {1200}},
                      PackCase{"SplitAtTheRecord", {1000, 500}, 0, {1013, 513}},
                      PackCase{"OversizedAlone", {500, 1300, 10}, 0, {513, 1313, 23}},
                      PackCase{"FillsThenStartsAnew", {580, 580, 580}, 0, {1186, 593}},
                      PackCase{"TruncatedLastRecordGoesAsIs", {100, 100}, 50, {176}},
                      PackCase{"StrayHeaderBytes", {100}, 108, {5}}),
    [](const ::testing::TestParamInfo<PackCase>& info) { return std::string(info.param.name); });

std::vector<uint8_t> Record(uint8_t type, uint16_t epoch, size_t bodyLength) {
  std::vector<uint8_t> record = {type, 0xFE, 0xFD, static_cast<uint8_t>(epoch >> 8), static_cast<uint8_t>(epoch),
                                 0, 0, 0, 0, 0, 7, static_cast<uint8_t>(bodyLength >> 8),
                                 static_cast<uint8_t>(bodyLength)};
  record.insert(record.end(), bodyLength, 0x33);
  return record;
}

std::vector<uint8_t> Concatenated(std::initializer_list<std::vector<uint8_t>> records) {
  std::vector<uint8_t> datagram;
  for (const std::vector<uint8_t>& record : records) datagram.insert(datagram.end(), record.begin(), record.end());
  return datagram;
}

TEST(DtlsDatagramDefectTest, KeepsFromOpenSslWhatWouldFailTheConnection) {
  struct DefectCase {
    const char* name;
    std::vector<uint8_t> datagram;
    const char* defect;  // nullptr: handed to OpenSSL
  };
  const DefectCase cases[] = {
      {"empty", {}, nullptr},
      {"header cut short: OpenSSL drops it itself", {22, 0xFE, 0xFD, 0, 0}, nullptr},
      {"empty plaintext handshake record", Record(22, 0, 0), nullptr},
      {"ClientHello-sized", Record(22, 0, 180), nullptr},
      {"GCM alert (2 + 8 + 16)", Record(21, 1, 26), nullptr},
      {"GCM-sized empty record", Record(23, 1, 24), nullptr},
      {"encrypted record below nonce and tag", Record(23, 1, 23), "short encrypted record"},
      {"encrypted four bytes", Record(23, 1, 4), "short encrypted record"},
      {"encrypted alert of a later epoch", Record(21, 2, 2), "short encrypted record"},
      {"short one behind a good one", Concatenated({Record(20, 0, 1), Record(22, 1, 5)}), "short encrypted record"},
      {"CCS and Finished", Concatenated({Record(20, 0, 1), Record(22, 1, 48)}), nullptr},
      {"heartbeat", Record(24, 0, 20), "unknown content type"},
      {"top of the RFC 7983 range", Record(63, 0, 3), "unknown content type"},
      {"unknown behind a good one", Concatenated({Record(22, 0, 30), Record(40, 0, 3)}), "unknown content type"},
  };
  for (const DefectCase& c : cases) {
    const char* defect = DtlsDatagramDefect(c.datagram);
    EXPECT_STREQ(defect, c.defect) << c.name;
  }
}

TEST(DtlsCertificateTest, IsASelfSignedP256CertificateForAMonth) {
  const auto certificate = DtlsCertificate::Generate();
  X509* x509 = certificate->Certificate();
  EVP_PKEY* key = certificate->PrivateKey();
  ASSERT_TRUE(x509 && key && certificate->Context());
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  char group[64] = {};
  size_t groupLength = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key, group, sizeof group, &groupLength), 1);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_EQ(X509_verify(x509, key), 1) << "signed by its own key";
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(x509), X509_get_issuer_name(x509)), 0);
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(x509)), 1);
  EXPECT_GE(days, 29);
  EXPECT_LE(days, 30);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(x509)), 0) << "already valid";
}

TEST(DtlsCertificateTest, FingerprintIsUppercaseHexWithColons) {
  const auto certificate = DtlsCertificate::Generate();
  // "AB:01:...": 32 pairs of uppercase hex digits joined by colons.
  const std::string& fingerprint = certificate->Fingerprint();
  ASSERT_EQ(fingerprint.size(), 32u * 3 - 1) << fingerprint;
  for (size_t i = 0; i < fingerprint.size(); ++i) {
    const char c = fingerprint[i];
    if (i % 3 == 2) {
      EXPECT_EQ(c, ':') << fingerprint;
    } else {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'F')) << fingerprint;
    }
  }
  EXPECT_EQ(certificate->Fingerprint(), DtlsCertificate::FingerprintOf(certificate->Certificate(), "sha-256"));
  struct DigestCase {
    const char* algorithm;
    size_t bytes;  // 0: not an algorithm we know
  };
  const DigestCase cases[] = {{"sha-1", 20}, {"sha-224", 28}, {"sha-256", 32}, {"SHA-384", 48},
                              {"sha-512", 64}, {"md5", 0},      {"", 0},        {"sha256", 0}};
  for (const DigestCase& c : cases) {
    const std::string fingerprint = DtlsCertificate::FingerprintOf(certificate->Certificate(), c.algorithm);
    EXPECT_EQ(fingerprint.size(), c.bytes == 0 ? 0 : c.bytes * 3 - 1) << c.algorithm;
    EXPECT_EQ(DtlsCertificate::IsFingerprintAlgorithm(c.algorithm), c.bytes != 0) << c.algorithm;
  }
}

TEST(DtlsCertificateTest, EachGenerationIsANewIdentity) {
  const auto first = DtlsCertificate::Generate();
  const auto second = DtlsCertificate::Generate();
  EXPECT_NE(first->Fingerprint(), second->Fingerprint());
  EXPECT_NE(X509_NAME_cmp(X509_get_subject_name(first->Certificate()), X509_get_subject_name(second->Certificate())),
            0)
      << "a random common name";
}

}  // namespace
}  // namespace plenum::transport
