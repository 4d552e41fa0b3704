#include "signaling/TlsCertificate.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "common/OpenSslOwners.hpp"

namespace plenum::signaling {
namespace {

namespace fs = std::filesystem;
using common::BioPtr;
using common::BignumPtr;
using common::EvpPkeyPtr;
using common::FreeOpenSslBuffer;
using common::OpenSslFree;
using common::X509ExtensionPtr;
using common::X509Ptr;

constexpr long kSelfSignedValiditySeconds = 10L * 365 * 24 * 3600;
constexpr long kBackdateSeconds = 3600;  // tolerate a client clock a little behind
constexpr std::size_t kMaxCommonNameBytes = 64;  // RFC 5280 ub-common-name

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// A passphrase callback that refuses: an encrypted key is an error here,
// never a prompt on the server's terminal.
int NoPassphrase(char*, int, int, void*) { return 0; }

BioPtr OpenForReading(const std::string& path, const std::string& option) {
  if (!fs::exists(path)) throw TlsFileError(option + " " + path + ": no such file");
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) throw TlsFileError(option + " " + path + ": cannot be read (" + std::strerror(errno) + ")");
  return bio;
}

X509Ptr ReadCertificate(const std::string& path) {
  BioPtr bio = OpenForReading(path, "tls-cert");
  X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!certificate) {
    ERR_clear_error();
    throw TlsFileError("tls-cert " + path + ": not a PEM certificate");
  }
  return certificate;
}

EvpPkeyPtr ReadPrivateKey(const std::string& path) {
  BioPtr bio = OpenForReading(path, "tls-key");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    throw TlsFileError("tls-key " + path + ": not an unencrypted PEM private key");
  }
  return key;
}

std::string Sha256Fingerprint(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1) return {};
  // "AB:CD:...", the form browsers show.
  std::unique_ptr<char, OpenSslFree<FreeOpenSslBuffer>> hex(
      OPENSSL_buf2hexstr(digest, static_cast<long>(length)));
  return hex ? hex.get() : std::string();
}

std::vector<std::string> SubjectAltNames(X509* certificate) {
  std::vector<std::string> names;
  std::unique_ptr<GENERAL_NAMES, OpenSslFree<GENERAL_NAMES_free>> general(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  if (!general) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(general.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(general.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* dns = name->d.dNSName;
      names.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                           static_cast<std::size_t>(ASN1_STRING_length(dns))));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      const int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if (inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text)) names.push_back(std::string("IP:") + text);
    }
  }
  return names;
}

void AddExtension(X509* certificate, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    throw std::runtime_error("cannot add certificate extension " + value + ": " + OpenSslError());
  }
}

// Writes `pem` to `path` through a temporary file and a rename, mode 0600,
// so that a crash leaves either no file or a whole one.
void WritePrivateFile(const fs::path& path, const std::string& pem) {
  const fs::path temporary = path.string() + ".new";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw TlsFileError("cannot create " + temporary.string() + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < pem.size()) {
    const ssize_t n = ::write(fd, pem.data() + written, pem.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw TlsFileError("cannot write " + temporary.string() + ": " + why);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    throw TlsFileError("cannot write " + temporary.string() + ": " + std::strerror(errno));
  }
  fs::rename(temporary, path);
}

template <typename Write>
std::string ToPem(Write write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) throw std::runtime_error("cannot encode PEM: " + OpenSslError());
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

void CreateSelfSigned(const fs::path& certificateFile, const fs::path& keyFile, const std::string& hostName,
                      const std::vector<std::string>& addresses) {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("cannot generate an EC P-256 key: " + OpenSslError());

  X509Ptr certificate(X509_new());
  BignumPtr serial(BN_new());
  if (!certificate || !serial || X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get())) ||
      !X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kBackdateSeconds) ||
      !X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kSelfSignedValiditySeconds) ||
      X509_set_pubkey(certificate.get(), key.get()) != 1) {
    throw std::runtime_error("cannot build a certificate: " + OpenSslError());
  }
  X509_NAME* name = X509_get_subject_name(certificate.get());
  const std::string commonName = hostName.substr(0, kMaxCommonNameBytes);
  const auto* organisation = reinterpret_cast<const unsigned char*>("Plenum (self-signed)");
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, organisation, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0) != 1 ||
      X509_set_issuer_name(certificate.get(), name) != 1) {
    throw std::runtime_error("cannot name the certificate: " + OpenSslError());
  }

  // Browsers match only the subject alternative names, never the CN.
  std::set<std::string> seen;
  std::string altNames;
  auto addName = [&](const std::string& entry) {
    if (!seen.insert(entry).second) return;
    if (!altNames.empty()) altNames += ',';
    altNames += entry;
  };
  if (!hostName.empty()) addName("DNS:" + hostName);
  addName("DNS:localhost");
  for (const std::string& address : addresses) addName("IP:" + address);
  AddExtension(certificate.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(certificate.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  AddExtension(certificate.get(), NID_ext_key_usage, "serverAuth");
  AddExtension(certificate.get(), NID_subject_key_identifier, "hash");
  AddExtension(certificate.get(), NID_subject_alt_name, altNames);
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign the certificate: " + OpenSslError());
  }

  const std::string keyPem = ToPem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  const std::string certificatePem = ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate.get()); });
  // The key first: a crash between the two leaves a key without a
  // certificate, which the next start reports instead of guessing.
  WritePrivateFile(keyFile, keyPem);
  WritePrivateFile(certificateFile, certificatePem);
}

}  // namespace

TlsIdentity LoadTlsIdentity(const std::string& certificateFile, const std::string& keyFile) {
  X509Ptr certificate = ReadCertificate(certificateFile);
  EvpPkeyPtr key = ReadPrivateKey(keyFile);
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    ERR_clear_error();
    throw TlsFileError("tls-key " + keyFile + " is not the key of the certificate in tls-cert " + certificateFile);
  }
  TlsIdentity identity;
  identity.certificateFile = certificateFile;
  identity.keyFile = keyFile;
  identity.sha256Fingerprint = Sha256Fingerprint(certificate.get());
  identity.subjectAltNames = SubjectAltNames(certificate.get());
  // Self-signed: issued by its own subject and signed by its own key.
  identity.selfSigned = X509_NAME_cmp(X509_get_subject_name(certificate.get()),
                                      X509_get_issuer_name(certificate.get())) == 0 &&
                        X509_verify(certificate.get(), key.get()) == 1;
  ERR_clear_error();
  identity.expired = X509_cmp_current_time(X509_get0_notAfter(certificate.get())) < 0;
  return identity;
}

TlsIdentity SelfSignedTlsIdentity(const std::string& dataDir, const std::string& hostName,
                                  const std::vector<std::string>& addresses) {
  const fs::path directory = fs::path(dataDir) / "tls";
  const fs::path certificateFile = directory / "cert.pem";
  const fs::path keyFile = directory / "key.pem";
  const bool haveCertificate = fs::exists(certificateFile);
  const bool haveKey = fs::exists(keyFile);
  bool created = false;
  if (haveCertificate != haveKey) {
    throw TlsFileError((haveCertificate ? keyFile : certificateFile).string() + " is missing beside " +
                       (haveCertificate ? certificateFile : keyFile).string() +
                       ": restore it, or delete both to have a new self-signed certificate made");
  }
  if (!haveCertificate) {
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) throw TlsFileError("cannot create " + directory.string() + ": " + error.message());
    // Only the server's user needs into the data directory's secrets.
    fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace, error);
    CreateSelfSigned(certificateFile, keyFile, hostName, addresses);
    created = true;
  }
  TlsIdentity identity = LoadTlsIdentity(certificateFile.string(), keyFile.string());
  identity.createdNow = created;
  return identity;
}

std::string MachineHostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

std::vector<std::string> MachineAddresses() {
  std::vector<std::string> addresses;
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) return addresses;
  std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> list(raw, &::freeifaddrs);
  for (const ifaddrs* entry = list.get(); entry; entry = entry->ifa_next) {
    if (!entry->ifa_addr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (entry->ifa_addr->sa_family == AF_INET) {
      const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      inet_ntop(AF_INET, &address->sin_addr, text, sizeof text);
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      const auto* address = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
      // A link-local address needs its interface to be reached; no URL
      // a browser takes has one.
      if (IN6_IS_ADDR_LINKLOCAL(&address->sin6_addr)) continue;
      inet_ntop(AF_INET6, &address->sin6_addr, text, sizeof text);
    } else {
      continue;
    }
    if (std::find(addresses.begin(), addresses.end(), text) == addresses.end()) addresses.emplace_back(text);
  }
  return addresses;
}

}  // namespace plenum::signaling
