#pragma once

// Room tokens (PROTOCOL.md section 4) made by the tests themselves, with
// OpenSSL's HMAC and a base64url of our own, not with the server's code:
// a token the server's minting and checking agree on by a shared mistake
// would still fail here. Header and payload are taken as JSON text, so a
// test can write any header (`alg: none`) and any claim (`"exp": "soon"`).

#include <string>

namespace plenum::test {

enum class Hmac { kSha256, kSha512 };

// RFC 4648 section 5, without padding.
std::string Base64Url(const std::string& bytes);

// base64url(header).base64url(payload).base64url(HMAC(secret, those two)).
std::string SignedJwt(const std::string& headerJson, const std::string& payloadJson, const std::string& secret,
                      Hmac hmac = Hmac::kSha256);

// The signature segment (after the last dot) of a token.
std::string SignatureOf(const std::string& jwt);

// The usual header, {"alg":"HS256","typ":"JWT"}.
std::string Hs256Header();

// Seconds since the epoch, as `exp` and `nbf` count them.
long long EpochSeconds();

}  // namespace plenum::test
