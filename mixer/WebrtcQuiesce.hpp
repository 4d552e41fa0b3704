// Makes a webrtcbin safe to stop while its DTLS handshake may be finishing.
//
// GStreamer 1.22's webrtcbin can deadlock in set_state(NULL) across three
// threads: the stopping thread holds dtlssrtpenc's state lock and waits for
// the DTLS connection's lock (dtlsenc's PAUSED->READY); a streaming thread
// holds the connection's lock while the finished handshake emits
// "on-key-set", whose handler waits for the send bin's lock; and webrtcbin's
// own thread holds that lock in the send bin's ICE "notify::state" handler
// while it waits for dtlssrtpenc's state lock (sync_state_with_parent). An
// ICE state change (a trickled candidate, a check that completes) at the
// moment a participant leaves mid-handshake is enough, so any client can
// trigger it. Upstream has no fix as of 1.24.
//
// Once teardown starts nobody needs the ICE transports' state any more:
// disconnecting every "notify::state" handler on them removes the third
// thread from the cycle.
#pragma once

#include <gst/gst.h>

namespace plenum::mixer {

// Call on a webrtcbin just before setting it (or its parent) to NULL.
void DetachIceStateHandlers(GstElement* webrtcbin);

}  // namespace plenum::mixer
