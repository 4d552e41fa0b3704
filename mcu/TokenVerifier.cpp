#include "mcu/TokenVerifier.hpp"

#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include "mcu/ErrorCode.hpp"

namespace plenum::mcu {

std::optional<std::string> TokenVerifier::Verify(const std::optional<std::string>& token,
                                                 const std::string& room) const {
  if (!enabled()) return std::nullopt;
  if (!token || token->empty()) throw ProtocolError(ErrorCode::Unauthorized, "this server requires a room token");
  Poco::JWT::Token parsed;
  try {
    Poco::JWT::Signer signer(secret_);
    signer.addAlgorithm(Poco::JWT::Signer::ALGO_HS256);
    if (!signer.tryVerify(*token, parsed))
      throw ProtocolError(ErrorCode::Unauthorized, "the token's signature is invalid");
  } catch (const Poco::Exception&) {
    throw ProtocolError(ErrorCode::Unauthorized, "the token is not a valid JWT");
  }
  const Poco::JSON::Object& claims = parsed.payload();
  if (!claims.has("exp") || !claims.has("room")) {
    throw ProtocolError(ErrorCode::Unauthorized, "the token lacks the room or exp claim");
  }
  if (parsed.getExpiration() < Poco::Timestamp()) throw ProtocolError(ErrorCode::Unauthorized, "the token has expired");
  if (claims.getValue<std::string>("room") != room) {
    throw ProtocolError(ErrorCode::Unauthorized, "the token is for another room");
  }
  if (claims.has("name")) return claims.getValue<std::string>("name");
  return std::nullopt;
}

std::string TokenVerifier::Issue(const std::string& room, const std::optional<std::string>& name,
                                 std::chrono::seconds ttl) const {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.payload().set("room", room);
  if (name) token.payload().set("name", *name);
  Poco::Timestamp expires;
  expires += Poco::Timespan(static_cast<long>(ttl.count()), 0);
  token.setExpiration(expires);
  Poco::JWT::Signer signer(secret_);
  return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
}

}  // namespace plenum::mcu
