#include "mcu/TokenVerifier.hpp"

#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mcu/ErrorCode.hpp"
#include "mcu/SecretCompare.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>

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

// The base64url (no padding) HMAC-SHA256 of "header.payload" under
// `secret`: the signature segment an HS256 token made with it carries.
std::string Hs256Signature(const std::string& secret, const std::string& signingInput) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int macLength = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(signingInput.data()), signingInput.size(), mac, &macLength)) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  std::string text(4 * ((macLength + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), mac, static_cast<int>(macLength));
  text.resize(static_cast<size_t>(written));
  while (!text.empty() && text.back() == '=') text.pop_back();
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
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
    parsed = Poco::JWT::Token(*token);  // parses header and payload, checks nothing
  } catch (const std::exception&) {  // Poco's parse and cast errors
    Refuse("the token is not a valid JWT");
  }
  // HS256 and nothing else: not `none`, not another HMAC, not a public-key
  // algorithm whose "key" would be our secret.
  if (parsed.getAlgorithm() != Poco::JWT::Signer::ALGO_HS256) Refuse("the token is not signed with HS256");
  // The signature is checked here rather than by Poco::JWT::Signer, whose
  // HMAC check is a vector `==` (poco 1.11 to today): it returns at the
  // first wrong byte, so its timing would tell a forger how much of a
  // guessed signature is right.
  const size_t signatureStart = token->rfind('.');
  if (!SecretsEqual(std::string_view(*token).substr(signatureStart + 1),
                    Hs256Signature(secret_, token->substr(0, signatureStart)))) {
    Refuse("the token's signature is invalid");
  }
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
