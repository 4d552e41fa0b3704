#pragma once

namespace plenum::test {

// Initialises GStreamer once per process and checks that every element the
// test client builds is installed, so a missing plugin is reported by name
// instead of as an obscure negotiation failure. Throws std::runtime_error.
void EnsureGstReady();

}  // namespace plenum::test
