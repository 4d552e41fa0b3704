// The certificate and key the HTTPS listener serves: an administrator's own
// (tls-cert, tls-key), or a self-signed one that the server makes at its
// first start and keeps in its data directory. Files are checked before
// use, and a bad one stops the server with its name; none is ever replaced
// behind the administrator's back.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace plenum::signaling {

// A certificate or key file that cannot be used; the message names it.
class TlsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TlsIdentity {
  std::string certificateFile;
  std::string keyFile;
  std::string sha256Fingerprint;  // "AB:CD:...", as browsers show it
  std::vector<std::string> subjectAltNames;  // "DNS:host", "IP:10.0.0.1"
  bool selfSigned = false;
  bool createdNow = false;  // made by this start
  bool expired = false;
};

// Checks a certificate (PEM, the leaf first when it is a chain) and its
// unencrypted PEM private key: both readable, and the key the
// certificate's. Throws TlsFileError.
TlsIdentity LoadTlsIdentity(const std::string& certificateFile, const std::string& keyFile);

// The self-signed identity kept under `dataDir`/tls (cert.pem, key.pem, both
// mode 0600). Made on first use with an EC P-256 key, valid for ten years,
// its subject alternative names `hostName`, "localhost" and `addresses`;
// loaded as it is afterwards. Throws TlsFileError when only one of the two
// files exists or either is unusable.
TlsIdentity SelfSignedTlsIdentity(const std::string& dataDir, const std::string& hostName,
                                  const std::vector<std::string>& addresses);

// This machine's host name and its interface addresses (IPv4 and global
// IPv6), for a certificate that every way of reaching it matches.
std::string MachineHostName();
std::vector<std::string> MachineAddresses();

}  // namespace plenum::signaling
