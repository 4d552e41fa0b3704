// libFuzzer target: room tokens. Random bytes rarely carry a valid
// signature, so half of the inputs are split at the first NUL into a
// header and a payload that the fuzzer signs itself: the claims parser
// behind the signature check gets fuzzed too.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "mcu/ErrorCode.hpp"
#include "mcu/Messages.hpp"
#include "mcu/TokenVerifier.hpp"

namespace {

const std::string kSecret = "fuzzing-secret";

std::string Base64Url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : (c == '/' ? '_' : c);
  return out;
}

std::string Signed(const std::string& header, const std::string& payload) {
  const std::string input = Base64Url(header) + "." + Base64Url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return input + "." + Base64Url(std::string(reinterpret_cast<const char*>(mac), length));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const plenum::mcu::TokenVerifier verifier(kSecret);
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string token = text;
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    token = Signed(text.substr(0, nul), text.substr(nul + 1));
  }
  try {
    verifier.Verify(std::optional<std::string>(token), "fuzz-room");
  } catch (const plenum::mcu::ProtocolError&) {
  }
  return 0;
}
