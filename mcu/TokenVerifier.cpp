#include "mcu/TokenVerifier.hpp"

#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include "mcu/ErrorCode.hpp"

#include <algorithm>

namespace plenum::mcu {

namespace {

void Refuse(const std::string& why) { throw ProtocolError(ErrorCode::Unauthorized, why); }

// A NumericDate claim (RFC 7519 section 2): a JSON number of seconds.
std::optional<double> NumericDate(const Poco::JSON::Object& claims, const std::string& name) {
  if (!claims.has(name)) return std::nullopt;
  const Poco::Dynamic::Var value = claims.get(name);
  if (!value.isNumeric() || value.isString()) Refuse("the token's " + name + " claim is not a number");
  return value.convert<double>();
}

}  // namespace

std::optional<std::string> TokenVerifier::Verify(const std::optional<std::string>& token,
                                                 const std::string& room) const {
  if (!enabled()) return std::nullopt;
  if (!token || token->empty()) Refuse("this server requires a room token");
  // Exactly header.payload.signature, none empty: Poco's parser would
  // overlook what follows a third dot.
  if (std::count(token->begin(), token->end(), '.') != 2 || token->front() == '.' || token->back() == '.' ||
      token->find("..") != std::string::npos) {
    Refuse("the token is not a JWT of three parts");
  }
  Poco::JWT::Token parsed;
  try {
    Poco::JWT::Signer signer(secret_);
    signer.addAlgorithm(Poco::JWT::Signer::ALGO_HS256);
    if (!signer.tryVerify(*token, parsed)) Refuse("the token's signature is invalid");
  } catch (const Poco::Exception&) {
    Refuse("the token is not a valid JWT");
  }
  // Signed with our secret, but still said to be HS256 and nothing else.
  if (parsed.getAlgorithm() != Poco::JWT::Signer::ALGO_HS256) Refuse("the token is not signed with HS256");
  const Poco::JSON::Object& claims = parsed.payload();
  const std::optional<double> expires = NumericDate(claims, "exp");
  if (!expires || !claims.has("room")) Refuse("the token lacks the room or exp claim");
  const double now = static_cast<double>(Poco::Timestamp().epochTime());
  if (*expires <= now) Refuse("the token has expired");
  if (const std::optional<double> notBefore = NumericDate(claims, "nbf"); notBefore && *notBefore > now) {
    Refuse("the token is not valid yet (nbf)");
  }
  const Poco::Dynamic::Var tokenRoom = claims.get("room");
  if (!tokenRoom.isString() || tokenRoom.extract<std::string>() != room) Refuse("the token is for another room");
  if (!claims.has("name")) return std::nullopt;
  const Poco::Dynamic::Var name = claims.get("name");
  if (!name.isString()) Refuse("the token's name claim is not a string");
  return name.extract<std::string>();
}

std::string TokenVerifier::Issue(const std::string& room, const std::optional<std::string>& name,
                                 std::chrono::seconds ttl) const {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.payload().set("room", room);
  if (name) token.payload().set("name", *name);
  // Whole seconds, as NumericDate claims usually are.
  token.payload().set("exp", static_cast<Poco::Int64>(Poco::Timestamp().epochTime() + ttl.count()));
  Poco::JWT::Signer signer(secret_);
  return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
}

}  // namespace plenum::mcu
