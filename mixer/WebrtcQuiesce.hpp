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

// Call right after setting `bin`, which holds `webrtcbin`, to NULL (and
// after DetachIceStateHandlers): stops what is still running inside and
// releases pad blocks left behind, returning how many elements it touched.
//
// webrtcbin applies a description on its own thread: it makes the
// transports (a receive and a send bin per bundle), adds them to itself,
// syncs their state with its own, and sets the receive bin to block or
// pass. When that overlaps with the way down to NULL, which visits the
// children there are at that moment, a transport added just after stays in
// READY or above; and a receive bin told to block after it went to NULL
// installs a pad block anyway. Either way the receive bin holds a block
// that references the bin itself, so it, its nicesrc and the libnice agent
// (sockets, a GMainContext) outlive the webrtcbin for good: under load this
// happened about once in 500 offers followed by an immediate leave. Once
// set_state(NULL) has returned, webrtcbin's thread has finished its last
// task and nothing can block a transport again.
guint StopStragglers(GstElement* bin, GstElement* webrtcbin);

}  // namespace plenum::mixer
