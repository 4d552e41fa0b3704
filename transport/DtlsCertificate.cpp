#include "transport/DtlsCertificate.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <string_view>

#include "transport/Log.hpp"
#include "transport/SrtpProfile.hpp"

namespace plenum::transport {
namespace {

using common::BignumPtr;
using common::EvpPkeyPtr;
using common::FreeOpenSslBuffer;
using common::OpenSslFree;
using common::SslContextPtr;
using common::X509Ptr;

// Peers never check the validity of a certificate they pin by fingerprint,
// but OpenSSL-based ones log an expired one; a month outlives any process
// between restarts we expect, and a restart makes a new one.
constexpr long kValiditySeconds = 30L * 24 * 3600;
constexpr long kBackdateSeconds = 24L * 3600;  // a peer whose clock is a day behind
constexpr int kCommonNameRandomBytes = 8;

// Forward secrecy only (ECDHE), AES-GCM first. Both ECDSA and RSA
// authentication: our certificate is ECDSA, but as a DTLS client we meet
// servers with RSA ones (GStreamer's dtlsenc makes RSA certificates). The
// CBC suites are for older stacks that offer nothing else. No
// ChaCha20-Poly1305: every WebRTC stack has AES-GCM, and ChaCha's shorter
// records would defeat DtlsTransport's guard against OpenSSL failing on a
// forged short record (DtlsDatagramDefect).
constexpr const char* kCipherList =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA";

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string RandomCommonName() {
  std::array<unsigned char, kCommonNameRandomBytes> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw std::runtime_error("cannot draw random bytes: " + OpenSslError());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "plenum-";
  for (unsigned char byte : random) {
    name += kHex[byte >> 4];
    name += kHex[byte & 0x0f];
  }
  return name;
}

X509Ptr SelfSign(EVP_PKEY* key) {
  X509Ptr certificate(X509_new());
  BignumPtr serial(BN_new());
  if (!certificate || !serial || X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())) ||
      !X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kBackdateSeconds) ||
      !X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kValiditySeconds) ||
      X509_set_pubkey(certificate.get(), key) != 1) {
    throw std::runtime_error("cannot build the DTLS certificate: " + OpenSslError());
  }
  // A random name, so that two servers (or two runs) are never mistaken for
  // one another in a peer's logs.
  const std::string commonName = RandomCommonName();
  X509_NAME* name = X509_get_subject_name(certificate.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0) != 1 ||
      X509_set_issuer_name(certificate.get(), name) != 1) {
    throw std::runtime_error("cannot name the DTLS certificate: " + OpenSslError());
  }
  if (X509_sign(certificate.get(), key, EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign the DTLS certificate: " + OpenSslError());
  }
  return certificate;
}

std::string SrtpProfileList() {
  std::string list;
  for (SrtpProfile profile : PreferredSrtpProfiles()) {
    if (!list.empty()) list += ':';
    list += SrtpProfileName(profile);
  }
  return list;
}

SslContextPtr NewContext(X509* certificate, EVP_PKEY* key) {
  SslContextPtr context(SSL_CTX_new(DTLS_method()));
  if (!context) throw std::runtime_error("cannot create the DTLS context: " + OpenSslError());
  if (SSL_CTX_use_certificate(context.get(), certificate) != 1 ||
      SSL_CTX_use_PrivateKey(context.get(), key) != 1 || SSL_CTX_check_private_key(context.get()) != 1) {
    throw std::runtime_error("cannot load the DTLS certificate: " + OpenSslError());
  }
  // DTLS 1.0 is deprecated (RFC 8996) and every browser speaks 1.2.
  if (SSL_CTX_set_min_proto_version(context.get(), DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(context.get(), kCipherList) != 1) {
    throw std::runtime_error("cannot configure the DTLS context: " + OpenSslError());
  }
  // The MTU comes from us, never from a socket OpenSSL does not have; no
  // peer resumes a DTLS-SRTP session, and renegotiation would change keys
  // under running SRTP sessions.
  SSL_CTX_set_options(context.get(), SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                         SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(context.get(), SSL_SESS_CACHE_OFF);
  // Without a callback a self-signed peer certificate fails verification:
  // an SSL made from this context is closed unless a transport installs its
  // fingerprint check.
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  // Returns 0 on success, unlike the rest of OpenSSL.
  if (SSL_CTX_set_tlsext_use_srtp(context.get(), SrtpProfileList().c_str()) != 0) {
    throw std::runtime_error("cannot enable DTLS-SRTP: " + OpenSslError());
  }
  return context;
}

const EVP_MD* DigestFor(const std::string& algorithm) {
  std::string lower = algorithm;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "sha-1") return EVP_sha1();
  if (lower == "sha-224") return EVP_sha224();
  if (lower == "sha-256") return EVP_sha256();
  if (lower == "sha-384") return EVP_sha384();
  if (lower == "sha-512") return EVP_sha512();
  return nullptr;
}

}  // namespace

std::shared_ptr<const DtlsCertificate> DtlsCertificate::Generate() {
  InitTransportLog();
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("cannot generate an EC P-256 key: " + OpenSslError());
  X509Ptr certificate = SelfSign(key.get());
  SslContextPtr context = NewContext(certificate.get(), key.get());
  std::shared_ptr<const DtlsCertificate> made(
      new DtlsCertificate(std::move(certificate), std::move(key), std::move(context)));
  GST_INFO("generate dtls certificate [fingerprint:%s]", made->Fingerprint().c_str());
  return made;
}

std::string DtlsCertificate::FingerprintOf(X509* certificate, const std::string& algorithm) {
  const EVP_MD* digest = DigestFor(algorithm);
  if (!certificate || !digest) return {};
  unsigned char bytes[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, digest, bytes, &length) != 1) {
    ERR_clear_error();
    return {};
  }
  std::unique_ptr<char, OpenSslFree<FreeOpenSslBuffer>> hex(OPENSSL_buf2hexstr(bytes, static_cast<long>(length)));
  return hex ? hex.get() : std::string();
}

bool DtlsCertificate::IsFingerprintAlgorithm(const std::string& algorithm) { return DigestFor(algorithm) != nullptr; }

DtlsCertificate::DtlsCertificate(X509Ptr certificate, EvpPkeyPtr privateKey, SslContextPtr context)
    : certificate_(std::move(certificate)), privateKey_(std::move(privateKey)), context_(std::move(context)) {
  fingerprint_ = FingerprintOf(certificate_.get(), "sha-256");
  if (fingerprint_.empty()) throw std::runtime_error("cannot digest the DTLS certificate");
}

}  // namespace plenum::transport
