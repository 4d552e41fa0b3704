// SHA-256 in lowercase hex, of bytes or of a file read in chunks (OpenSSL).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace plenum::recorder {

std::string Sha256Hex(std::string_view bytes);
// Nothing when the file cannot be read.
std::optional<std::string> FileSha256Hex(const std::string& path);

}  // namespace plenum::recorder
