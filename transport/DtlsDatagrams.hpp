// Cutting what OpenSSL wrote into a memory BIO back into datagrams. A memory
// BIO keeps no boundaries between OpenSSL's writes, so one drain may hold a
// whole flight; DTLS allows several records per datagram but never a record
// across two (RFC 6347 section 4.1.1), so we cut at record boundaries and
// fill each datagram up to the MTU.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace plenum::transport {

// DTLS 1.2 record header: type, version (2), epoch (2), sequence number
// (6), length (2).
inline constexpr std::size_t kDtlsRecordHeaderLength = 13;

// The smallest body of a record our ciphers can have written once
// encrypted: AES-GCM's explicit nonce and tag (a CBC record is at least an
// IV, a MAC and a padding byte, more than this).
inline constexpr std::size_t kMinEncryptedRecordBody = 8 + 16;

// Why a datagram from the network must not reach OpenSSL, or nullptr.
// OpenSSL 3.0 fails the whole connection on two kinds of record that RFC
// 6347 4.1.2.7 would have it drop, so one forged datagram would end a call:
// - an encrypted (epoch > 0) AEAD record shorter than its nonce and tag,
//   which it takes for an internal error;
// - a content type other than the four DTLS 1.2 has (RFC 7983 gives DTLS
//   the whole first-byte range 20..63), an "unexpected record".
// No peer of ours sends either.
inline const char* DtlsDatagramDefect(std::span<const uint8_t> datagram) {
  std::size_t offset = 0;
  while (offset + kDtlsRecordHeaderLength <= datagram.size()) {
    const uint8_t contentType = datagram[offset];
    const unsigned epoch = (unsigned{datagram[offset + 3]} << 8) | datagram[offset + 4];
    const std::size_t bodyLength = (std::size_t{datagram[offset + 11]} << 8) | datagram[offset + 12];
    // change_cipher_spec, alert, handshake, application_data.
    if (contentType < 20 || contentType > 23) return "unknown content type";
    if (epoch > 0 && bodyLength < kMinEncryptedRecordBody) return "short encrypted record";
    offset += kDtlsRecordHeaderLength + bodyLength;
  }
  return nullptr;
}

inline std::vector<std::span<const uint8_t>> PackDtlsRecords(std::span<const uint8_t> bytes, std::size_t mtu) {
  std::vector<std::span<const uint8_t>> datagrams;
  std::size_t start = 0;   // of the datagram being filled
  std::size_t offset = 0;  // of the next record
  while (offset < bytes.size()) {
    std::size_t recordLength = bytes.size() - offset;
    if (recordLength >= kDtlsRecordHeaderLength) {
      const std::size_t bodyLength = (std::size_t{bytes[offset + 11]} << 8) | bytes[offset + 12];
      // A length past the end is OpenSSL's bug, not ours to repair: the
      // rest goes out as it is rather than cut at a guess.
      recordLength = std::min(recordLength, kDtlsRecordHeaderLength + bodyLength);
    }
    if (offset > start && offset - start + recordLength > mtu) {
      datagrams.push_back(bytes.subspan(start, offset - start));
      start = offset;
    }
    offset += recordLength;
  }
  if (offset > start) datagrams.push_back(bytes.subspan(start, offset - start));
  return datagrams;
}

}  // namespace plenum::transport
