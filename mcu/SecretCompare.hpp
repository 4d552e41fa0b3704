// Comparing a secret a client presents (the API key, a token's signature)
// with the one the server holds, in time that depends on neither: a plain
// `==` stops at the first differing byte and at a differing length, which
// lets a patient client guess a secret one byte at a time from how long
// each refusal takes.
#pragma once

#include <string_view>

namespace plenum::mcu {

// Whether `presented` equals `expected`. Both are hashed with SHA-256 and
// the digests compared with CRYPTO_memcmp, so the time taken says nothing
// about where they differ or how long either is.
bool SecretsEqual(std::string_view presented, std::string_view expected);

}  // namespace plenum::mcu
