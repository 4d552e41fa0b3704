// The server's DTLS identity: a self-signed EC P-256 certificate made in
// memory at start, announced to peers by its fingerprint in the SDP (RFC
// 8122), and the DTLS context every transport of the process starts from.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/OpenSslOwners.hpp"

namespace plenum::transport {

class DtlsCertificate {
 public:
  // Throws std::runtime_error if OpenSSL cannot make one.
  static std::shared_ptr<const DtlsCertificate> Generate();

  // The digest of `certificate` for an a=fingerprint `algorithm` ("sha-1",
  // "sha-224", "sha-256", "sha-384", "sha-512", any case) as uppercase hex
  // pairs joined by colons; empty for an algorithm we do not know.
  static std::string FingerprintOf(X509* certificate, const std::string& algorithm);
  static bool IsFingerprintAlgorithm(const std::string& algorithm);

  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;

  // The "sha-256" fingerprint, for a=fingerprint.
  const std::string& Fingerprint() const { return fingerprint_; }
  X509* Certificate() const { return certificate_.get(); }
  EVP_PKEY* PrivateKey() const { return privateKey_.get(); }
  // Shared by every DtlsTransport of this certificate and never changed
  // after Generate(), so transports on different threads may SSL_new() from
  // it at once.
  SSL_CTX* Context() const { return context_.get(); }

 private:
  DtlsCertificate(common::X509Ptr certificate, common::EvpPkeyPtr privateKey, common::SslContextPtr context);

  // Owned.
  common::X509Ptr certificate_;
  common::EvpPkeyPtr privateKey_;
  common::SslContextPtr context_;

  // Others.
  std::string fingerprint_;
};

}  // namespace plenum::transport
