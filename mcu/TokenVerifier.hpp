// Room tokens (PROTOCOL.md section 4): HS256 JWTs with `room`, `exp` and
// an optional `name` claim; Poco::JWT parses them, the HMAC is checked
// here, in constant time (see TokenVerifier.cpp).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace plenum::mcu {

class TokenVerifier {
 public:
  explicit TokenVerifier(std::string secret) : secret_(std::move(secret)) {}

  bool enabled() const { return !secret_.empty(); }

  // Returns the name the token imposes, if any. Throws
  // ProtocolError(unauthorized) when the token is missing, badly signed,
  // expired, or for another room.
  std::optional<std::string> Verify(const std::optional<std::string>& token, const std::string& room) const;

  std::string Issue(const std::string& room, const std::optional<std::string>& name, std::chrono::seconds ttl) const;

 private:
  std::string secret_;
};

}  // namespace plenum::mcu
