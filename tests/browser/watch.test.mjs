// A room goes live on HLS and someone watches it (issue 9), against a real
// plenum server over http://127.0.0.1 with an API key: one page joins the
// room with the bundled client; a watch page opened at /watch/ROOM before
// any broadcast waits for one; the test starts an HLS broadcast through the
// REST API; the joined page shows LIVE with a link to the watch page, which
// starts playing by itself (a picture of the room, time advancing, sound
// on at a click); stopping the broadcast ends it on the watch page and
// takes LIVE off the joined page, whose call goes on.

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { chromium } from 'playwright-core';

import {
  ARTIFACT_DIR, CHROMIUM, CHROMIUM_ARGS, CONNECT_TIMEOUT_MS, MEDIA_TIMEOUT_MS, MIN_LIT_SHARE, ROSTER_TIMEOUT_MS,
  ended, finishServer, joinRoom, readPage, sampleComposite, startServer, stepper, waitFor,
} from './support.mjs';

// From the POST to a playing watch page: the room's first H.264 and AAC
// encodes start, a segment or two of about 2 s are written, hls.js loads.
const BROADCAST_START_TIMEOUT_MS = 40_000;
// From the DELETE to the watch page saying so: hls.js reads the ended
// playlist at its next reload (one target duration), or the page finds it
// gone at its next look (every 3 s).
const BROADCAST_END_TIMEOUT_MS = 20_000;
// How far the watch page's video must play while the test looks.
const MIN_PLAYED_SECONDS = 2;

// What the watch page shows (run inside it).
function readWatch() {
  const video = document.getElementById('broadcast');
  return {
    state: document.body.dataset.state,
    status: document.getElementById('watch-status').textContent,
    room: document.getElementById('room-label').textContent,
    live: !document.getElementById('live-indicator').hidden,
    currentTime: video.currentTime,
    width: video.videoWidth,
    height: video.videoHeight,
    paused: video.paused,
    muted: video.muted,
  };
}

// Whether the joined page shows the room live (run inside it).
function readLive() {
  const link = document.getElementById('watch-link');
  return {
    state: document.body.dataset.state,
    live: !document.getElementById('live-indicator').hidden,
    label: document.getElementById('live-badge').getAttribute('aria-label'),
    watch: link.hidden ? null : link.href,
  };
}

// The watch page never leaves this state by itself.
const watchFailed = ({ state }) => state === 'failed';

describe('watching a room\'s HLS broadcast', () => {
  const room = `watch-${randomBytes(4).toString('hex')}`;
  const apiKey = randomBytes(16).toString('hex');
  const state = { failed: false };
  let server;
  let browser;
  let http;
  let participant;
  let watcher;
  let broadcast;
  // The watch page's hls.js failures it got over (its player restarts).
  const playerErrors = [];
  const step = stepper('browser-watch', () => [participant, watcher].filter(Boolean), state);

  async function api(method, resource, body) {
    const response = await fetch(`${http}/api/v1/rooms/${room}/${resource}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  }

  before(async () => {
    try {
      server = startServer(['--bind=127.0.0.1', '--ice-local-address=127.0.0.1', `--api-key=${apiKey}`]);
      ({ http } = await server.ready);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...CHROMIUM_ARGS, '--allow-loopback-in-peer-connection'],
      });
      participant = await joinRoom(browser, http, room, 'Ada', server.output);
    } catch (error) {
      state.failed = true;
      throw error;
    }
  });

  after(async () => {
    await browser?.close();
    await finishServer(server, state);
  });

  step('the participant connects', async () => {
    await waitFor('the participant to connect', () => participant.evaluate(readPage),
      ({ state: s }) => s === 'connected', { timeout: CONNECT_TIMEOUT_MS, hopeless: ended });
    const shown = await participant.evaluate(readLive);
    assert.equal(shown.live, false, 'LIVE shows before any broadcast');
  });

  step('a watch page opened before the broadcast waits for it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    watcher = await context.newPage();
    watcher.on('pageerror', (error) => server.output.push(`page watcher: uncaught ${error.message}`));
    watcher.on('console', (message) => {
      server.output.push(`page watcher: console.${message.type()} ${message.text()}`);
      if (message.text().startsWith('plenum: hls.js fatal error')) playerErrors.push(message.text());
    });
    await watcher.goto(`${http}/watch/${room}`);
    const seen = await waitFor('the watch page to wait for the broadcast', () => watcher.evaluate(readWatch),
      (s) => s.state === 'waiting' && /waiting for the broadcast/i.test(s.status),
      { timeout: ROSTER_TIMEOUT_MS, hopeless: watchFailed });
    assert.equal(seen.room, room);
    assert.equal(seen.live, false);
  });

  step('an HLS broadcast starts through the API', async (t) => {
    const answer = await api('POST', 'broadcasts', { kind: 'hls' });
    assert.equal(answer.status, 201, `POST broadcasts answered ${answer.status}: ${answer.text}`);
    broadcast = answer.json();
    t.diagnostic(`broadcast: ${answer.text}`);
    assert.equal(typeof broadcast.id, 'string');
    assert.equal(broadcast.kind, 'hls');
    assert.equal(broadcast.playlist, `/hls/${room}/index.m3u8`);
  });

  step('the joined page shows LIVE and links the watch page', async () => {
    const watchUrl = new URL(`/watch/${room}`, http).href;
    await waitFor('the joined page to show LIVE on HLS', () => participant.evaluate(readLive),
      (s) => s.live && s.watch === watchUrl && /HLS/.test(s.label),
      { timeout: BROADCAST_START_TIMEOUT_MS, hopeless: ended });
  });

  step('the watch page plays the room by itself', async (t) => {
    const columns = 1; // one participant: one tile
    const playing = (s) => s.state === 'live' && s.width > 0 && !s.paused;
    const first = await waitFor('the watch page to play', () => watcher.evaluate(readWatch), playing,
      { timeout: BROADCAST_START_TIMEOUT_MS, hopeless: watchFailed });
    t.diagnostic(`watch page: ${first.width}x${first.height}, muted ${first.muted}`);
    assert.equal(first.live, true, 'the watch page shows LIVE while it plays');
    assert.equal(first.muted, true, 'the watch page starts muted (browsers refuse autoplay with sound)');
    // The participant's fake camera is far from black, and moves.
    const sample = () => watcher.evaluate(sampleComposite, { columns, video: 'broadcast' });
    const lit = (s) => s.litShares?.every((share) => share > MIN_LIT_SHARE);
    const picture = await waitFor('the watch page to show the participant\'s camera', sample, lit,
      { timeout: MEDIA_TIMEOUT_MS });
    const played = await waitFor(`the watch page to play ${MIN_PLAYED_SECONDS} s`, () => watcher.evaluate(readWatch),
      (s) => playing(s) && s.currentTime - first.currentTime >= MIN_PLAYED_SECONDS,
      { timeout: MEDIA_TIMEOUT_MS, hopeless: (s) => watchFailed(s) || s.state === 'ended' });
    t.diagnostic(`watch page played ${(played.currentTime - first.currentTime).toFixed(2)} s`
      + `, after ${playerErrors.length} player errors ${JSON.stringify(playerErrors)}`);
    await waitFor('the watch page\'s picture to move', sample,
      (s) => lit(s) && s.fingerprint !== picture.fingerprint, { timeout: MEDIA_TIMEOUT_MS });

    await watcher.getByRole('button', { name: 'Turn sound on' }).click();
    const unmuted = await watcher.evaluate(readWatch);
    assert.equal(unmuted.muted, false, 'Turn sound on left the video muted');
    assert.equal(unmuted.paused, false, 'Turn sound on paused the video');
    await watcher.getByRole('button', { name: 'Turn sound off' }).waitFor({ timeout: ROSTER_TIMEOUT_MS });
    // For people to look at: the broadcast as a viewer sees it.
    await watcher.screenshot({ path: path.join(ARTIFACT_DIR, 'browser-watch-watcher.png') });
  });

  step('stopping the broadcast ends it on the watch page and takes LIVE off', async () => {
    const answer = await api('DELETE', `broadcasts/${encodeURIComponent(broadcast.id)}`);
    assert.equal(answer.status, 204, `DELETE broadcast answered ${answer.status}: ${answer.text}`);
    const end = await waitFor('the watch page to say the broadcast ended', () => watcher.evaluate(readWatch),
      (s) => s.state === 'ended', { timeout: BROADCAST_END_TIMEOUT_MS, hopeless: watchFailed });
    assert.match(end.status, /ended/i);
    assert.equal(end.live, false);
    await waitFor('the joined page to drop LIVE', () => participant.evaluate(readLive),
      (s) => !s.live && s.watch === null, { timeout: BROADCAST_END_TIMEOUT_MS, hopeless: ended });
    // The broadcast came and went; the call did not.
    assert.equal((await participant.evaluate(readPage)).state, 'connected');
  });
});
