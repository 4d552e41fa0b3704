#pragma once

#include <string>

namespace plenum::test {

// A new directory under the system's temporary directory, removed with
// everything in it when the owner goes.
class TemporaryDirectory {
 public:
  // Throws std::runtime_error when it cannot be created.
  explicit TemporaryDirectory(const std::string& prefix);
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::string& Path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace plenum::test
