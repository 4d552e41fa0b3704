// GStreamer's debug log sent to journald, one entry per line with fields an
// administrator can filter on (journalctl PLENUM_ROOM=council): MESSAGE,
// PRIORITY (syslog's, from GStreamer's level), CODE_FILE, CODE_LINE,
// CODE_FUNC, SYSLOG_IDENTIFIER=plenum, PLENUM_CATEGORY (plenum-mcu,
// plenum-transport, or GStreamer's own) and, for lines that name them
// (LogSubject), PLENUM_ROOM and PLENUM_PARTICIPANT.
#pragma once

namespace plenum::mcu {

// Whether systemd connected stderr to the journal: JOURNAL_STREAM holds
// the device and inode of that stream, which stderr must still be
// (systemd.exec(5)); a child whose stderr was redirected keeps the
// variable but not the stream.
bool StderrIsJournal();

// From now on every GStreamer debug line goes to journald instead of
// stderr (a line journald does not take goes to stderr after all).
void SendGstLogToJournal();

}  // namespace plenum::mcu
