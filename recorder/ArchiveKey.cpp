#include "recorder/ArchiveKey.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "recorder/Sha256.hpp"

namespace plenum::recorder {
namespace {

namespace fs = std::filesystem;

using BioOwner = common::BioPtr;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::string Base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::vector<unsigned char> FromBase64(const std::string& text) {
  std::vector<unsigned char> out(3 * (text.size() / 4) + 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0 || text.size() % 4 != 0) return {};
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding's zero bytes too.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;
  out.resize(size);
  return out;
}

EvpPkeyOwner Generate() {
  common::EvpPkeyContextPtr context(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* key = nullptr;
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1 || EVP_PKEY_keygen(context.get(), &key) != 1)
    throw std::runtime_error("cannot make an Ed25519 key (OpenSSL)");
  return EvpPkeyOwner(key);
}

void WritePrivate(EVP_PKEY* key, const fs::path& path) {
  // Made 0600 from the start: the key is never readable by others, even
  // for a moment.
  const fs::path temporary = path.string() + ".tmp";
  FILE* file = std::fopen(temporary.c_str(), "wx");
  if (!file) throw std::runtime_error("cannot write " + temporary.string() + ": " + std::strerror(errno));
  ::fchmod(fileno(file), 0600);
  const bool written = PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  const bool flushed = std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
  std::fclose(file);
  if (!written || !flushed) {
    fs::remove(temporary);
    throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

EvpPkeyOwner ReadPrivate(const fs::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) throw std::runtime_error("cannot read " + path.string() + ": " + std::strerror(errno));
  EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (!key || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    throw std::runtime_error(path.string() + " is not an Ed25519 private key in PEM");
  }
  return EvpPkeyOwner(key);
}

}  // namespace

ArchiveKey ArchiveKey::LoadOrCreate(const std::string& dataDir, bool* created) {
  const fs::path directory = fs::path(dataDir) / "archive";
  const fs::path path = directory / "ed25519.pem";
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) throw std::runtime_error("cannot make " + directory.string() + ": " + error.message());
  fs::permissions(directory, fs::perms::owner_all, error);
  const bool exists = fs::exists(path);
  if (!exists) WritePrivate(Generate().get(), path);
  if (created) *created = !exists;
  return ArchiveKey(ReadPrivate(path), path.string());
}

ArchiveKey::ArchiveKey(EvpPkeyOwner key, std::string path) : key_(std::move(key)), path_(std::move(path)) {
  BioOwner bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) throw std::runtime_error("cannot export the public key");
  publicPem_ = BioText(bio.get());
  fingerprint_ = PublicKeyFingerprint(key_.get());
}

std::string ArchiveKey::Sign(std::string_view message) const {
  common::EvpMdContextPtr context(EVP_MD_CTX_new());
  std::size_t size = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    throw std::runtime_error("cannot sign (OpenSSL)");
  std::vector<unsigned char> signature(size);
  if (EVP_DigestSign(context.get(), signature.data(), &size, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    throw std::runtime_error("cannot sign (OpenSSL)");
  return Base64(signature.data(), size);
}

EvpPkeyOwner ParsePublicKey(const std::string& pem) {
  BioOwner bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (key && EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    key = nullptr;
  }
  return EvpPkeyOwner(key);
}

std::string PublicKeyFingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(key, &der);
  if (size <= 0) throw std::runtime_error("cannot encode the public key");
  const std::string digest = Sha256Hex(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size)));
  OPENSSL_free(der);
  return digest;
}

bool VerifySignature(EVP_PKEY* key, std::string_view message, const std::string& signatureBase64) {
  const std::vector<unsigned char> signature = FromBase64(signatureBase64);
  if (signature.empty()) return false;
  common::EvpMdContextPtr context(EVP_MD_CTX_new());
  return context && EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key) == 1 &&
         EVP_DigestVerify(context.get(), signature.data(), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

}  // namespace plenum::recorder
