// Plenum web client. Joins one room over the signaling WebSocket (PROTOCOL.md
// section 1), sends the camera and microphone, and plays what the server sends
// back: one composite video and one audio mix of everybody else.

import { ConnectionPanel } from './connection-panel.js';

const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME_LENGTH = 64;

// Close codes the server uses on purpose, in words an admin can act on.
const CLOSE_EXPLANATIONS = {
  1001: 'the server is shutting down or restarting',
  1006: 'the connection was lost or the server could not be reached',
  1008: 'the server dropped the connection after repeated invalid messages',
  1009: 'a message was larger than the 64 KiB the server accepts',
};

// Broadcast kinds of a `room-live` message, as people know them.
const BROADCAST_KINDS = { rtmp: 'RTMP', srt: 'SRT', hls: 'HLS' };

// A call still connecting after this long opens the Connection panel.
const SLOW_CONNECT_MS = 10_000;

// Errors after which the call cannot go on even though the socket stays open.
const FATAL_ERRORS = new Set(['room-closed', 'unsupported-media']);

const $ = (id) => document.getElementById(id);
const ui = {
  joinView: $('join-view'),
  form: $('join-form'),
  roomInput: $('room-input'),
  nameInput: $('name-input'),
  tokenInput: $('token-input'),
  formError: $('form-error'),
  joinButton: $('join-button'),
  callView: $('call-view'),
  roomLabel: $('room-label'),
  composite: $('composite'),
  remoteAudio: $('remote-audio'),
  localPreview: $('local-preview'),
  status: $('connection-status'),
  participantList: $('participant-list'),
  muteMic: $('mute-mic'),
  muteCam: $('mute-cam'),
  leaveButton: $('leave-button'),
  rec: $('rec-indicator'),
  live: $('live-indicator'),
  liveBadge: $('live-badge'),
  watchLink: $('watch-link'),
  banner: $('error-banner'),
  bannerText: $('error-text'),
  bannerDismiss: $('error-dismiss'),
};

// The live call, for people through the page and for automated tests.
// `participants` is everybody in the room, in the order they joined (the order
// of the composite's tiles), each `{id, name, audioMuted, videoMuted}`; our own
// entry has `self: true`.
const plenum = { pc: null, ws: null, participantId: null, participants: [] };
window.plenum = plenum;

let session = null;

// The Connection panel asks the live session (get-connection, getStats).
const connectionPanel = new ConnectionPanel({
  toggle: $('connection-toggle'),
  panel: $('connection-panel'),
  summary: $('connection-summary'),
  steps: $('connection-steps'),
  rates: $('connection-rates'),
  browser: $('connection-browser'),
  updated: $('connection-updated'),
}, () => session && {
  requestReport: () => session.joined && session.send({ type: 'get-connection' }),
  pc: session.pc,
});

// --- Page state --------------------------------------------------------------

function setState(state) {
  document.body.dataset.state = state;
}

function showBanner(text, kind = 'error') {
  ui.bannerText.textContent = text;
  ui.banner.dataset.kind = kind;
  ui.banner.hidden = false;
}

function hideBanner() {
  ui.banner.hidden = true;
  ui.bannerText.textContent = '';
}

function showCallView(room) {
  ui.joinView.hidden = true;
  ui.callView.hidden = false;
  ui.roomLabel.textContent = room;
  ui.roomLabel.hidden = false;
}

function showJoinView() {
  ui.callView.hidden = true;
  ui.joinView.hidden = false;
  ui.roomLabel.hidden = true;
  ui.rec.hidden = true;
  setLive({ live: false });
  ui.joinButton.disabled = false;
}

function setRecording(active) {
  ui.rec.hidden = !active;
}

// Plenum's `room-live` message (see the README): whether the room is
// broadcast, as what, and the path of its watch page when it is on HLS.
function setLive({ live, kinds, watch }) {
  const on = live === true;
  ui.live.hidden = !on;
  const names = (Array.isArray(kinds) ? kinds : [])
    .filter((kind) => typeof kind === 'string')
    .map((kind) => BROADCAST_KINDS[kind] ?? kind);
  const text = names.length ? `This room is live (${names.join(', ')})` : 'This room is live';
  ui.liveBadge.title = text;
  ui.liveBadge.setAttribute('aria-label', text);
  const watchUrl = on ? sameOriginUrl(watch) : null;
  ui.watchLink.hidden = !watchUrl;
  if (watchUrl) ui.watchLink.href = watchUrl;
  else ui.watchLink.removeAttribute('href');
}

// A link the server gives must stay on this server ("//host" and "/\host"
// are other hosts to a browser).
function sameOriginUrl(path) {
  if (typeof path !== 'string' || !path.startsWith('/')) return null;
  try {
    const url = new URL(path, location.origin);
    return url.origin === location.origin ? url.href : null;
  } catch {
    return null;
  }
}

function renderStatus(text, kind) {
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
}

function renderParticipants(activeSpeaker) {
  const items = plenum.participants.map(({ id, name, self, audioMuted, videoMuted }) => {
    const item = document.createElement('li');
    item.dataset.participantId = id;
    item.classList.toggle('speaking', id === activeSpeaker);
    const label = document.createElement('span');
    label.className = 'participant-name';
    label.textContent = name;
    item.append(label);
    const tags = [self && '(you)', audioMuted && 'muted', videoMuted && 'camera off'].filter(Boolean);
    if (tags.length) {
      const tag = document.createElement('span');
      tag.className = 'participant-tag';
      tag.textContent = tags.join(', ');
      item.append(' ', tag);
    }
    return item;
  });
  ui.participantList.replaceChildren(...items);
}

// --- Form --------------------------------------------------------------------

function readJoinRequest() {
  const room = ui.roomInput.value.trim();
  const name = ui.nameInput.value.trim();
  const token = ui.tokenInput.value.trim();
  if (!ROOM_PATTERN.test(room)) {
    return { problem: 'The room id needs 1 to 64 letters, digits, "-" or "_".', field: ui.roomInput };
  }
  // Count characters, not UTF-16 units, as the protocol does.
  const nameLength = [...name].length;
  if (nameLength < 1 || nameLength > MAX_NAME_LENGTH) {
    return { problem: `Your name needs 1 to ${MAX_NAME_LENGTH} characters.`, field: ui.nameInput };
  }
  return { request: token ? { room, name, token } : { room, name } };
}

function showFormProblem(problem, field) {
  ui.formError.textContent = problem;
  ui.formError.hidden = false;
  field.setAttribute('aria-invalid', 'true');
  field.focus();
}

function clearFormProblem() {
  ui.formError.hidden = true;
  for (const field of [ui.roomInput, ui.nameInput]) field.removeAttribute('aria-invalid');
}

async function onJoinSubmit(event) {
  event.preventDefault();
  clearFormProblem();
  const { request, problem, field } = readJoinRequest();
  if (problem) {
    showFormProblem(problem, field);
    return;
  }
  hideBanner();
  ui.joinButton.disabled = true;
  setState('joining');
  let localStream;
  try {
    localStream = await openLocalMedia();
  } catch (error) {
    showBanner(error.message);
    ui.joinButton.disabled = false;
    setState('failed');
    return;
  }
  // Keep the room in the address so that the page can be reloaded or shared.
  history.replaceState(null, '', `?room=${encodeURIComponent(request.room)}`);
  session = new Session(request, localStream);
  session.start();
}

// --- Local media -------------------------------------------------------------

function describeMediaError(error) {
  switch (error.name) {
    case 'NotAllowedError': return 'permission denied';
    case 'NotFoundError': return 'no such device';
    case 'NotReadableError': return 'the device is in use or not working';
    default: return `${error.name}: ${error.message}`;
  }
}

// Camera and microphone; without a camera we still join with the microphone.
async function openLocalMedia() {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('This browser gives camera and microphone access only to pages served over HTTPS or from localhost.');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
  } catch (videoError) {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (audioError) {
      throw new Error(`Cannot use the microphone (${describeMediaError(audioError)}) `
        + `or the camera (${describeMediaError(videoError)}).`);
    }
    showBanner(`Camera unavailable (${describeMediaError(videoError)}): joining with audio only.`, 'warning');
    return stream;
  }
}

// One audio and one video transceiver, as the server expects. Without a camera
// the video one only receives, so the composite still arrives.
function addLocalTransceivers(pc, localStream) {
  const [audio] = localStream.getAudioTracks();
  const [video] = localStream.getVideoTracks();
  pc.addTransceiver(audio, { direction: 'sendrecv', streams: [localStream] });
  if (video) {
    pc.addTransceiver(video, { direction: 'sendrecv', streams: [localStream] });
  } else {
    pc.addTransceiver('video', { direction: 'recvonly' });
  }
}

// Wires a mute button for the local track of `kind`; returns the function
// that resets it for a new call. The label says what a click does, so it is
// not also marked pressed.
function setupToggle(button, kind, labels) {
  button.addEventListener('click', () => {
    const track = session?.localTrack(kind);
    if (!track) return;
    track.enabled = !track.enabled;
    button.classList.toggle('off', !track.enabled);
    button.textContent = track.enabled ? labels.on : labels.off;
    // The server keeps it in the room's record and tells the others
    // (Plenum's `mute` message, see the README).
    // Before `joined` the server has no one to mute; onJoined says it then.
    if (session.joined) session.send({ type: 'mute', [kind]: !track.enabled });
    plenum.participants = plenum.participants.map((p) => (p.self ? { ...p, [`${kind}Muted`]: !track.enabled } : p));
    renderParticipants(session.activeSpeaker);
  });
  return (track) => {
    button.disabled = !track;
    button.classList.remove('off');
    button.textContent = track ? labels.on : labels.missing;
  };
}

const resetMicButton = setupToggle(ui.muteMic, 'audio',
  { on: 'Mute microphone', off: 'Unmute microphone', missing: 'No microphone' });
const resetCamButton = setupToggle(ui.muteCam, 'video',
  { on: 'Turn camera off', off: 'Turn camera on', missing: 'No camera' });

// --- Signaling and media session ------------------------------------------

function signalingUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

function describeClose({ code, reason }) {
  const explanation = CLOSE_EXPLANATIONS[code];
  return `Disconnected from the server (close code ${code}${reason ? `: ${reason}` : ''})`
    + (explanation ? `: ${explanation}.` : '.');
}

// One join of one room: the WebSocket, the peer connection and the local
// tracks live and die together.
class Session {
  constructor(request, localStream) {
    this.request = request;
    this.localStream = localStream;
    this.ws = null;
    this.pc = null;
    this.joined = false;
    this.ended = false;
    this.activeSpeaker = null;
    this.sentEndOfCandidates = false;
    this.inbox = Promise.resolve();
    // Server candidates that arrive before its answer cannot be added yet.
    this.pendingCandidates = [];
    this.slowConnectTimer = null;
  }

  start() {
    showCallView(this.request.room);
    renderStatus('Joining…', 'pending');
    ui.localPreview.srcObject = this.localStream;
    ui.localPreview.hidden = !this.localTrack('video');
    resetMicButton(this.localTrack('audio'));
    resetCamButton(this.localTrack('video'));
    connectionPanel.reset();

    this.ws = new WebSocket(signalingUrl());
    plenum.ws = this.ws;
    this.ws.addEventListener('open', () => this.send({ type: 'join', ...this.request }));
    this.ws.addEventListener('message', (event) => this.onMessage(event.data));
    this.ws.addEventListener('close', (event) => this.onSocketClosed(event));
  }

  // What our own buttons say: a track switched off is muted.
  muteState() {
    const off = (kind) => this.localTrack(kind)?.enabled === false;
    return { audioMuted: off('audio'), videoMuted: off('video') };
  }

  localTrack(kind) {
    return this.localStream.getTracks().find((track) => track.kind === kind) ?? null;
  }

  send(message) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  onMessage(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      message = null;
    }
    if (typeof message?.type !== 'string') {
      console.warn('plenum: ignoring a frame that is not a protocol message', text);
      return;
    }
    // One message at a time, in arrival order: handlers await the peer
    // connection, and a server candidate must not overtake the answer.
    this.inbox = this.inbox
      .then(() => this.handle(message))
      .catch((error) => this.onLocalFailure(error));
  }

  async handle(message) {
    switch (message.type) {
      case 'joined': return this.onJoined(message);
      case 'answer': return this.onAnswer(message);
      case 'candidate': return this.onRemoteCandidate(message);
      case 'participant-joined': return this.onParticipantJoined(message.participant);
      case 'participant-left': return this.onParticipantLeft(message.participant);
      case 'participant-muted': return this.onParticipantMuted(message);
      case 'speaker': return this.onSpeaker(message.participant);
      case 'recording': return setRecording(Boolean(message.active));
      case 'room-live': return setLive(message);
      case 'connection': return connectionPanel.onReport(message);
      case 'error': return this.onServerError(message);
      default: return undefined; // The server may add messages; they are not for us.
    }
  }

  async onJoined(message) {
    this.joined = true;
    plenum.participantId = message.participant;
    plenum.participants = [
      ...(message.participants ?? []).map(({ id, name, audioMuted, videoMuted }) => (
        { id, name, audioMuted: Boolean(audioMuted), videoMuted: Boolean(videoMuted) })),
      { id: message.participant, name: this.request.name, self: true, ...this.muteState() },
    ];
    renderParticipants(this.activeSpeaker);
    // Muted while joining: the server and the others learn it now.
    const { audioMuted, videoMuted } = this.muteState();
    if (audioMuted || videoMuted) this.send({ type: 'mute', audio: audioMuted, video: videoMuted });
    setRecording(Boolean(message.recording));
    await this.negotiate(message.iceServers ?? []);
  }

  async negotiate(iceServers) {
    const pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
    this.pc = pc;
    plenum.pc = pc;
    pc.addEventListener('icecandidate', ({ candidate }) => this.onLocalCandidate(candidate));
    pc.addEventListener('track', ({ track }) => this.onRemoteTrack(track));
    pc.addEventListener('connectionstatechange', () => this.onConnectionStateChange());
    pc.addEventListener('iceconnectionstatechange', () => this.onConnectionStateChange());
    addLocalTransceivers(pc, this.localStream);

    setState('connecting');
    renderStatus('Connecting media…', 'pending');
    // Still not connected after a while: show where it stands.
    this.slowConnectTimer = setTimeout(() => {
      if (!this.ended && this.pc?.connectionState !== 'connected') connectionPanel.open({ scroll: true });
    }, SLOW_CONNECT_MS);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    // The offer goes without candidates: they are all trickled, once each.
    this.send({ type: 'offer', sdp: offer.sdp });
  }

  onLocalCandidate(candidate) {
    if (candidate && candidate.candidate) {
      const { sdpMid, sdpMLineIndex } = candidate;
      this.send({ type: 'candidate', candidate: candidate.candidate, sdpMid, sdpMLineIndex });
      return;
    }
    // End of candidates. Everything is bundled on the first m-line.
    if (this.sentEndOfCandidates) return;
    this.sentEndOfCandidates = true;
    const [first] = this.pc.getTransceivers();
    this.send({ type: 'candidate', candidate: '', sdpMid: first.mid, sdpMLineIndex: 0 });
  }

  async onAnswer({ sdp }) {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    const pending = this.pendingCandidates;
    this.pendingCandidates = [];
    await Promise.all(pending.map((message) => this.addRemoteCandidate(message)));
  }

  async onRemoteCandidate(message) {
    if (!this.pc?.remoteDescription) {
      this.pendingCandidates.push(message);
      return;
    }
    await this.addRemoteCandidate(message);
  }

  async addRemoteCandidate({ candidate, sdpMid, sdpMLineIndex }) {
    // An empty string ends the server's candidates; ICE needs nothing for it.
    if (!candidate) return;
    try {
      await this.pc.addIceCandidate({ candidate, sdpMid, sdpMLineIndex });
    } catch (error) {
      // One unusable candidate is not fatal: others may still connect.
      console.warn('plenum: cannot add server candidate', candidate, error);
    }
  }

  onRemoteTrack(track) {
    const element = track.kind === 'video' ? ui.composite : ui.remoteAudio;
    element.srcObject = new MediaStream([track]);
  }

  onConnectionStateChange() {
    const { connectionState, iceConnectionState } = this.pc;
    switch (connectionState) {
      case 'connected':
        setState('connected');
        renderStatus('Connected', 'ok');
        break;
      case 'failed':
        setState('failed');
        renderStatus(`Connection failed (ICE ${iceConnectionState})`, 'bad');
        showBanner('The media connection failed: no network path to the server works. '
          + 'Leave and join again, or ask the admin to check the server\'s ICE settings.');
        connectionPanel.open({ scroll: true });
        break;
      case 'closed':
        break;
      default:
        // new, connecting, or disconnected (which ICE may still recover from).
        setState('connecting');
        renderStatus(`Connecting media… (ICE ${iceConnectionState})`, 'pending');
    }
  }

  onParticipantJoined({ id, name, audioMuted, videoMuted }) {
    if (plenum.participants.some((p) => p.id === id)) return;
    plenum.participants = [...plenum.participants,
      { id, name, audioMuted: Boolean(audioMuted), videoMuted: Boolean(videoMuted) }];
    renderParticipants(this.activeSpeaker);
  }

  onParticipantLeft(id) {
    plenum.participants = plenum.participants.filter((p) => p.id !== id);
    if (this.activeSpeaker === id) this.activeSpeaker = null;
    renderParticipants(this.activeSpeaker);
  }

  onParticipantMuted({ participant, audioMuted, videoMuted }) {
    plenum.participants = plenum.participants.map((p) => (p.id === participant
      ? { ...p, audioMuted: Boolean(audioMuted), videoMuted: Boolean(videoMuted) } : p));
    renderParticipants(this.activeSpeaker);
  }

  onSpeaker(id) {
    this.activeSpeaker = id ?? null;
    renderParticipants(this.activeSpeaker);
  }

  onServerError({ code, message }) {
    showBanner(`Server error ${code}: ${message}`);
    // Before `joined` the error refused the join itself.
    if (!this.joined || FATAL_ERRORS.has(code)) this.end('failed');
  }

  onSocketClosed(event) {
    if (this.ended) return;
    showBanner(describeClose(event));
    this.end('failed');
  }

  onLocalFailure(error) {
    // Leaving closes the peer connection under a negotiation still running.
    if (this.ended) return;
    console.error('plenum:', error);
    showBanner(`The browser could not set up the call: ${error.message}`);
    this.end('failed');
  }

  leave() {
    this.send({ type: 'leave' });
    this.end('left');
  }

  end(state) {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.slowConnectTimer);
    // What the panel last showed stays; a call that failed opens it.
    connectionPanel.onEnded(state === 'failed'
      ? `The call ended: ${ui.bannerText.textContent || 'failed'}` : 'You left the call.');
    if (state === 'failed') connectionPanel.open({ scroll: true });
    this.pc?.close();
    this.ws.close(1000);
    for (const track of this.localStream.getTracks()) track.stop();
    for (const element of [ui.composite, ui.remoteAudio, ui.localPreview]) element.srcObject = null;
    Object.assign(plenum, { pc: null, ws: null, participantId: null, participants: [] });
    ui.participantList.replaceChildren();
    session = null;
    showJoinView();
    setState(state);
  }
}

// --- Wiring ------------------------------------------------------------------

function init() {
  const room = new URLSearchParams(location.search).get('room');
  if (room) ui.roomInput.value = room;
  (room ? ui.nameInput : ui.roomInput).focus();

  ui.form.addEventListener('submit', onJoinSubmit);
  ui.leaveButton.addEventListener('click', () => session?.leave());
  ui.bannerDismiss.addEventListener('click', hideBanner);
  // Tell the server at once rather than letting it time the socket out.
  window.addEventListener('pagehide', () => session?.leave());
  setState('idle');
}

init();
