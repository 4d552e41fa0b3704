// Plenum watch page, served at /watch/ROOM: plays the room's HLS broadcast
// (/hls/ROOM/index.m3u8, PROTOCOL.md section 2) for people who only watch.
// hls.js plays it where the browser has Media Source Extensions, the
// browser itself where it has HLS (Safari). The page waits for a broadcast
// that has not started, says when it ends, and picks up the next one.

const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
// How often the playlist is asked for while there is nothing to play.
const RETRY_MS = 3000;
// Fresh starts of the player after media errors, without playing in
// between, before the page gives up on the video. A live stream's first
// segment may lack audio, say, which hls.js cannot recover from in place;
// a player started again begins nearer the live edge.
const MAX_RESTARTS = 3;

const $ = (id) => document.getElementById(id);
const ui = {
  roomLabel: $('room-label'),
  live: $('live-indicator'),
  video: $('broadcast'),
  sound: $('sound-button'),
  status: $('watch-status'),
};

// What the page is doing, in document.body.dataset.state for people's
// styles and for the tests: waiting (no broadcast yet), loading (found,
// starting the video), live (playing), ended, failed (cannot play here).
let playlistUrl = null;
let player = null; // { stop } of the hls.js or native player running now
let pollTimer = null;
let seenLive = false; // once a broadcast played, a missing playlist means it ended
let restarts = 0; // since the video last played

function setState(state, text, kind = state === 'failed' ? 'bad' : 'ok') {
  document.body.dataset.state = state;
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
  ui.live.hidden = state !== 'live';
}

function state() {
  return document.body.dataset.state;
}

function showEnded() {
  if (state() === 'ended' || state() === 'failed') return;
  setState('ended', 'The broadcast has ended.', 'pending');
  // Another broadcast of the same room may follow; keep looking for it.
  schedulePoll();
}

function fail(text) {
  stopPlayer();
  clearTimeout(pollTimer);
  setState('failed', text);
}

// --- Waiting for a playlist ------------------------------------------------

function schedulePoll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(checkPlaylist, RETRY_MS);
}

// While nothing plays: a 404 means no broadcast (yet, or any more); a
// playlist with #EXT-X-ENDLIST one that has ended; any other playlist is
// a broadcast to play.
async function checkPlaylist() {
  pollTimer = null;
  const ended = state() === 'ended';
  let response;
  let text;
  try {
    response = await fetch(playlistUrl, { cache: 'no-store' });
    text = response.ok ? await response.text() : '';
  } catch (error) {
    if (!ended) setState('waiting', `Cannot reach the server (${error.message}); trying again…`, 'bad');
    schedulePoll();
    return;
  }
  if (response.status === 404) {
    if (seenLive) {
      showEnded();
    } else if (!ended) {
      setState('waiting', 'Waiting for the broadcast to start. This page starts playing by itself.', 'pending');
    }
    schedulePoll();
    return;
  }
  if (!response.ok || !text.startsWith('#EXTM3U')) {
    const problem = response.ok ? 'something that is not an HLS playlist' : `${response.status} ${response.statusText}`;
    if (!ended) setState('waiting', `The server answered ${problem}; trying again…`, 'bad');
    schedulePoll();
    return;
  }
  if (/^#EXT-X-ENDLIST/m.test(text)) {
    // Only its last seconds are still there: nothing worth playing.
    if (!ended) {
      seenLive = true;
      showEnded();
    }
    schedulePoll();
    return;
  }
  startPlayer();
}

// --- Playing -----------------------------------------------------------------

function startPlayer() {
  stopPlayer();
  setState('loading', 'The broadcast is on; starting the video…', 'pending');
  player = window.Hls?.isSupported() ? playWithHlsJs() : playNatively();
  ui.sound.hidden = false;
  ui.video.controls = true;
  renderSoundButton();
  // The video starts muted (browsers let a muted video start by itself, not
  // one with sound) and stays as the person left it for later broadcasts.
  ui.video.play().catch((error) => {
    // Data saver or a stricter policy: the video's own play button remains.
    if (error.name === 'NotAllowedError' && state() === 'loading') {
      setState('loading', 'Press play to watch the broadcast.', 'pending');
    }
  });
}

function stopPlayer() {
  player?.stop();
  player = null;
  ui.sound.hidden = true;
  ui.video.controls = false;
}

// A network failure while playing: ask for the playlist again, which tells
// an ended broadcast (404) from a passing failure.
function lostStream(problem) {
  stopPlayer();
  setState(seenLive ? 'loading' : 'waiting', `Lost the broadcast (${problem}); reconnecting…`, 'bad');
  schedulePoll();
}

// A media failure (not the network's): start the player again, a few times.
function restartPlayer(problem) {
  if (restarts >= MAX_RESTARTS) {
    fail(`The video cannot be played: ${problem}`);
    return;
  }
  restarts += 1;
  lostStream(problem);
}

function describeHlsError({ details, response, reason, error }) {
  if (/codec/i.test(details)) {
    return 'This browser cannot decode the broadcast (H.264 video and AAC audio).';
  }
  if (response?.code) return `${details}, HTTP ${response.code}`;
  const why = reason ?? error?.message;
  return why ? `${details}: ${why}` : details;
}

function playWithHlsJs() {
  const { Hls } = window;
  const hls = new Hls({
    // The video's controls show a live stream, not a seek bar that grows.
    liveDurationInfinity: true,
    // Hours of a meeting must not pile up in memory behind the playhead.
    backBufferLength: 30,
  });
  const handle = {
    stop() {
      hls.destroy();
    },
  };
  let recovered = false;
  const onFatalError = (data) => {
    if (player !== handle) return; // stopped meanwhile
    const problem = describeHlsError(data);
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      lostStream(problem);
    } else if (/codec/i.test(data.details)) {
      fail(problem);
    } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
      recovered = true;
      hls.recoverMediaError();
    } else {
      restartPlayer(problem);
    }
  };
  hls.on(Hls.Events.LEVEL_UPDATED, (event, { details }) => {
    // The playlist got #EXT-X-ENDLIST: what is buffered plays out.
    if (!details.live) showEnded();
  });
  hls.on(Hls.Events.ERROR, (event, data) => {
    if (!data.fatal) return; // hls.js retries those itself
    console.warn('plenum: hls.js fatal error', data.type, data.details, data.error?.message ?? '');
    // Once hls.js is done with it: destroyed from its own handler, it
    // carries on with a destroyed instance and throws.
    setTimeout(() => onFatalError(data));
  });
  hls.loadSource(playlistUrl);
  hls.attachMedia(ui.video);
  return handle;
}

function playNatively() {
  const { video } = ui;
  const onError = () => {
    const { code, message } = video.error ?? {};
    const problem = message || `media error ${code ?? ''}`.trim();
    if (code === MediaError.MEDIA_ERR_NETWORK) lostStream(problem);
    else restartPlayer(problem);
  };
  video.addEventListener('error', onError);
  video.src = playlistUrl;
  return {
    stop() {
      video.removeEventListener('error', onError);
      video.removeAttribute('src');
      video.load();
    },
  };
}

function onPlaying() {
  if (!player || state() === 'ended') return;
  seenLive = true;
  restarts = 0;
  setState('live', 'Live', 'ok');
}

function onBuffering() {
  if (state() === 'live') setState('live', 'Live (buffering…)', 'pending');
}

function onVideoEnded() {
  if (!player) return;
  ui.sound.hidden = true;
  showEnded();
}

// --- Sound -------------------------------------------------------------------

// The label says what a click does.
function renderSoundButton() {
  const muted = ui.video.muted || ui.video.volume === 0;
  ui.sound.textContent = muted ? 'Turn sound on' : 'Turn sound off';
  ui.sound.classList.toggle('off', muted);
}

function onSoundClick() {
  const { video } = ui;
  const silent = video.muted || video.volume === 0;
  video.muted = !silent;
  if (silent && video.volume === 0) video.volume = 1;
  // A click is the gesture browsers want before they play with sound.
  if (video.paused && player) video.play().catch(() => {});
}

// --- Wiring ------------------------------------------------------------------

function roomFromPath() {
  const match = /^\/watch\/([^/]+)\/?$/.exec(location.pathname);
  if (!match) return null;
  try {
    const room = decodeURIComponent(match[1]);
    return ROOM_PATTERN.test(room) ? room : null;
  } catch {
    return null;
  }
}

function init() {
  const room = roomFromPath();
  if (!room) {
    setState('failed', 'This address names no room: it should be /watch/ROOM, with 1 to 64 letters, digits, "-" or "_".');
    return;
  }
  document.title = `${room} · Plenum broadcast`;
  ui.roomLabel.textContent = room;
  ui.video.setAttribute('aria-label', `Broadcast of room ${room}`);
  playlistUrl = `/hls/${encodeURIComponent(room)}/index.m3u8`;

  if (!window.Hls?.isSupported() && !ui.video.canPlayType('application/vnd.apple.mpegurl')) {
    setState('failed', window.Hls
      ? 'This browser can play neither HLS nor the Media Source Extensions that hls.js needs.'
      : 'The video player (hls.js) did not load, and this browser cannot play HLS by itself. '
        + 'The server\'s web/node_modules may be missing: run npm ci --prefix web.');
    return;
  }
  ui.video.addEventListener('playing', onPlaying);
  ui.video.addEventListener('waiting', onBuffering);
  ui.video.addEventListener('ended', onVideoEnded);
  ui.video.addEventListener('volumechange', renderSoundButton);
  ui.sound.addEventListener('click', onSoundClick);
  setState('waiting', 'Looking for the broadcast…', 'pending');
  checkPlaylist();
}

init();
