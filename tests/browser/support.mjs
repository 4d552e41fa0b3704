// What the browser tests share: a real plenum server started and stopped
// around them, bounded waits that stretch with the machine's load, probes
// run inside the page, and the steps of a two-person call.
//
// Environment (set by meson; the fallbacks suit a manual run from a checkout):
//   PLENUM_BIN                  the server binary
//   PLENUM_WEB_ROOT             the web/ folder it serves
//   PLENUM_ARTIFACT_DIR         where screenshots go
//   PLENUM_CHROMIUM             the browser (default /usr/bin/chromium)
//   PLENUM_FIREFOX              the other browser (default /usr/bin/firefox-esr)
//   PLENUM_TEST_TIMEOUT_SCALE   stretch every timeout by this factor

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PLENUM_BIN = process.env.PLENUM_BIN ?? path.resolve(here, '../../build/mcu/daemon/plenum');
export const WEB_ROOT = process.env.PLENUM_WEB_ROOT ?? path.resolve(here, '../../web');
export const ARTIFACT_DIR = process.env.PLENUM_ARTIFACT_DIR ?? os.tmpdir();
export const CHROMIUM = process.env.PLENUM_CHROMIUM ?? '/usr/bin/chromium';
export const FIREFOX = process.env.PLENUM_FIREFOX ?? '/usr/bin/firefox-esr';

// A timeout for a machine as busy as this one is now: stretched by the
// load per core (1 to 4 times) and by PLENUM_TEST_TIMEOUT_SCALE, so that a
// slow CI machine gives a slower pass, not a failure. The same rule as the
// e2e tests' Scaled().
export function scaled(milliseconds) {
  const requested = Number(process.env.PLENUM_TEST_TIMEOUT_SCALE);
  const factor = Number.isFinite(requested) && requested > 0 ? requested : 1;
  const loadPerCore = os.loadavg()[0] / Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  return Math.round(milliseconds * factor * Math.min(4, Math.max(1, loadPerCore)));
}

const SERVER_START_TIMEOUT_MS = 20_000;
const SERVER_STOP_TIMEOUT_MS = 10_000;
export const CONNECT_TIMEOUT_MS = 30_000;
export const MEDIA_TIMEOUT_MS = 30_000;
export const ROSTER_TIMEOUT_MS = 10_000;
const PAGE_ACTION_TIMEOUT_MS = 30_000;
// Share of a grid column's pixels that must be brighter than near-black.
export const MIN_LIT_SHARE = 0.2;
// Growth of the received audio energy (seconds times level squared) that
// silence never reaches: the fake microphone's beeps add about 0.25 a second.
const MIN_AUDIO_ENERGY = 0.05;

// Headless Chromium as the probe of this machine's kind runs it, with a
// synthetic camera (moving pattern) and microphone (beeps) granted without
// a prompt, and the remote mix playing without a click.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

// Headless Firefox (through puppeteer-core over WebDriver BiDi) with its
// synthetic camera (a frame of one colour that changes) and microphone (a
// steady sine at FIREFOX_TONE_HZ), granted without a prompt, the remote mix
// playing without a click, host candidates with their addresses rather than
// mDNS names (the server resolves no .local names), and Firefox's mock
// audio device: on a machine without a sound card an AudioContext would
// never leave "suspended", and the page could not analyse what it receives.
export const FIREFOX_TONE_HZ = 1000;
export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.navigator.audio.fake_frequency': FIREFOX_TONE_HZ,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.cubeb.force_mock_context': true,
};

// Writes a WAV file (16-bit mono, 48 kHz, one second) of a sine at `hz`
// (a whole number of cycles a second, so that it loops without a click) in
// bursts: 250 ms at half of full scale, 250 ms of silence, with 10 ms fades.
// Chromium's microphone with --use-file-for-fake-audio-capture=FILE: a tone
// that a spectrum tells apart from another browser's, and bursts because
// Chromium's noise suppression takes a steady tone for noise (it lowers one
// by some 20 dB).
export function writeToneWav(file, hz) {
  const rate = 48000;
  const burst = rate / 4;
  const fade = rate / 100;
  const wav = Buffer.alloc(44 + 2 * rate);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + 2 * rate, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16); // format chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(2 * rate, 28); // bytes a second
  wav.writeUInt16LE(2, 32); // bytes a frame
  wav.writeUInt16LE(16, 34); // bits a sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(2 * rate, 40);
  for (let i = 0; i < rate; i++) {
    const inBurst = i % (2 * burst);
    const edge = Math.min(inBurst, burst - inBurst);
    const envelope = inBurst >= burst ? 0 : edge >= fade ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * edge) / fade);
    wav.writeInt16LE(Math.round(0.5 * envelope * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + 2 * i);
  }
  writeFileSync(file, wav);
}

// --- Server --------------------------------------------------------------------

// Starts the server with `args` (plus free ports and a data directory of
// its own) and resolves `ready` with what it printed once it listens:
// { http, https, fingerprint }. Its output is kept for the failure report.
export function startServer(args) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'plenum-browser-data-'));
  const child = spawn(PLENUM_BIN, [
    '--port=0',
    '--tls-port=0',
    `--data-dir=${dataDir}`,
    `--web-root=${WEB_ROOT}`,
    ...args,
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GST_DEBUG_NO_COLOR: '1' } });
  const output = [];
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  createInterface({ input: child.stderr }).on('line', (line) => output.push(`stderr: ${line}`));
  const stdout = createInterface({ input: child.stdout });
  const wantsTls = !args.includes('--tls-port=off');

  const ready = new Promise((resolve, reject) => {
    const timeout = scaled(SERVER_START_TIMEOUT_MS);
    const timer = setTimeout(() => reject(new Error(
      `${PLENUM_BIN} did not report listening within ${timeout} ms`)), timeout);
    const seen = {};
    stdout.on('line', (line) => {
      output.push(`stdout: ${line}`);
      const listening = /^plenum: listening on ((https?):\/\/\S+)$/.exec(line);
      if (listening) seen[listening[2]] = listening[1];
      const certificate = /SHA-256 fingerprint ([0-9A-F:]+)$/.exec(line);
      if (certificate) seen.fingerprint = certificate[1];
      if (seen.http && (seen.https || !wantsTls)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${PLENUM_BIN}: ${error.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${PLENUM_BIN} exited (code ${code}, signal ${signal}) before listening`));
    });
  });
  return { child, output, exited, ready, dataDir };
}

// Stops the server if it still runs, killing it if SIGTERM is not enough,
// removes its data directory, and resolves with how it ended (null if it
// never started).
export async function stopServer(server) {
  const { child } = server;
  try {
    if (child.pid === undefined) return null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([server.exited, delay(scaled(SERVER_STOP_TIMEOUT_MS), null)]);
      if (!stopped) child.kill('SIGKILL');
    }
    return await server.exited;
  } finally {
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

// --- Waiting -----------------------------------------------------------------

// Polls `probe` until `accept` takes its result, or fails at once when
// `hopeless` does; a failure names the last result seen, so that it says how
// far things got. `timeout` is stretched by scaled().
export async function waitFor(what, probe, accept, { timeout, interval = 250, hopeless = () => false }) {
  const budget = scaled(timeout);
  const deadline = Date.now() + budget;
  for (;;) {
    const seen = await probe();
    if (accept(seen)) return seen;
    if (hopeless(seen)) assert.fail(`gave up waiting for ${what}: ${JSON.stringify(seen)}`);
    if (Date.now() >= deadline) {
      assert.fail(`timed out after ${budget} ms waiting for ${what}; last seen: ${JSON.stringify(seen)}`);
    }
    await delay(interval);
  }
}

// For `hopeless`: the client never leaves these states by itself.
export const ended = ({ state }) => state === 'failed' || state === 'left';

// --- Page probes (run inside the page) -------------------------------------

// What a person sees of the call: the page state, the error banner if any,
// and the names in the participant list.
export function readPage() {
  const banner = document.getElementById('error-banner');
  return {
    state: document.body.dataset.state,
    banner: banner.hidden ? null : document.getElementById('error-text').textContent,
    roster: [...document.querySelectorAll('#participant-list .participant-name')].map((name) => name.textContent),
    // What the list says of each person beside the name ("(you)", "muted").
    tags: [...document.querySelectorAll('#participant-list li')]
      .map((item) => item.querySelector('.participant-tag')?.textContent ?? ''),
  };
}

// Samples the composite video: its size, per column of the grid the share
// of pixels that are not near-black, and a coarse fingerprint that changes
// when the picture moves. `options` is the number of columns, or
// { columns, video } to sample another video element than #composite.
export function sampleComposite(options) {
  const { columns, video: id = 'composite' } = typeof options === 'number' ? { columns: options } : options;
  const { state } = document.body.dataset;
  const video = document.getElementById(id);
  if (!video.videoWidth || video.paused) {
    return { state, width: video.videoWidth, paused: video.paused };
  }
  const canvas = document.createElement('canvas');
  canvas.width = 160;
  canvas.height = 90;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  const lit = new Array(columns).fill(0);
  let fingerprint = 0;
  for (let i = 0; i < data.length; i += 4) {
    const luma = 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
    const column = Math.floor(((i / 4) % canvas.width) * columns / canvas.width);
    if (luma > 40) lit[column] += 1;
    fingerprint = (fingerprint * 31 + (luma >> 4)) >>> 0;
  }
  const pixelsPerColumn = (canvas.width / columns) * canvas.height;
  return {
    state,
    width: video.videoWidth,
    height: video.videoHeight,
    litShares: lit.map((count) => Math.round((100 * count) / pixelsPerColumn) / 100),
    fingerprint,
  };
}

// What the received audio amounts to: the element must be playing a live
// track, and the decoder's energy counter grows while something is audible.
export async function sampleAudio() {
  const { state } = document.body.dataset;
  const { pc } = window.plenum;
  if (!pc) return { state };
  const element = document.getElementById('remote-audio');
  const track = element.srcObject?.getAudioTracks()[0];
  const stats = await pc.getStats();
  const inbound = [...stats.values()].find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
  return {
    state,
    playing: !element.paused && track?.readyState === 'live',
    packetsReceived: inbound?.packetsReceived ?? 0,
    totalAudioEnergy: inbound?.totalAudioEnergy ?? 0,
    audioLevel: inbound?.audioLevel ?? 0,
  };
}

// What the received audio sounds like: its spectrum averaged over
// `seconds` (WebAudio, 8192-point FFT: 5.4 Hz a bin at 44.1 kHz), as the level
// (dB relative to full scale) of each of `frequencies` (the strongest bin
// within `toleranceHz` of it), the noise floor (the median bin from 100 Hz
// to 4 kHz) and the frequency of the strongest bin above 50 Hz.
export async function sampleSpectrum({ frequencies, seconds, toleranceHz = 20 }) {
  const { state } = document.body.dataset;
  const track = document.getElementById('remote-audio').srcObject?.getAudioTracks()[0];
  if (track?.readyState !== 'live') return { state, live: false };
  window.plenumTestAudio ??= new AudioContext();
  const context = window.plenumTestAudio;
  if (context.state !== 'running') {
    // A browser that refuses to start audio leaves resume() pending.
    await Promise.race([context.resume(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    if (context.state !== 'running') return { state, live: true, context: context.state };
  }
  const source = context.createMediaStreamSource(new MediaStream([track]));
  const analyser = new AnalyserNode(context, { fftSize: 8192, smoothingTimeConstant: 0 });
  source.connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  const power = new Float64Array(bins.length);
  let snapshots = 0;
  const end = performance.now() + seconds * 1000;
  try {
    // A snapshot spans 8192 samples (170 ms); one every 100 ms misses none.
    while (performance.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      analyser.getFloatFrequencyData(bins);
      for (let i = 0; i < bins.length; i++) power[i] += 10 ** (bins[i] / 10);
      snapshots += 1;
    }
  } finally {
    source.disconnect();
  }
  const binHz = context.sampleRate / analyser.fftSize;
  const level = (i) => Math.max(-200, 10 * Math.log10(power[i] / snapshots));
  const round = (db) => Math.round(db * 10) / 10;
  const levels = {};
  for (const hz of frequencies) {
    let strongest = -200;
    for (let i = Math.floor((hz - toleranceHz) / binHz); i <= Math.ceil((hz + toleranceHz) / binHz); i++) {
      strongest = Math.max(strongest, level(i));
    }
    levels[hz] = round(strongest);
  }
  const band = [];
  for (let i = Math.ceil(100 / binHz); i <= 4000 / binHz; i++) band.push(level(i));
  band.sort((a, b) => a - b);
  // From 50 Hz up: what a decoder leaves near DC is not a sound.
  let peak = Math.ceil(50 / binHz);
  for (let i = peak; i < power.length; i++) if (power[i] > power[peak]) peak = i;
  return {
    state,
    live: true,
    snapshots,
    levels,
    floor: round(band[Math.floor(band.length / 2)]),
    peakHz: Math.round(peak * binHz),
  };
}

// The composite video as the decoder sees it: frames decoded so far, their
// size, and the codec.
export async function sampleInboundVideo() {
  const { state } = document.body.dataset;
  const { pc } = window.plenum;
  if (!pc) return { state };
  const stats = await pc.getStats();
  const inbound = [...stats.values()].find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
  return {
    state,
    framesDecoded: inbound?.framesDecoded ?? 0,
    width: inbound?.frameWidth ?? 0,
    height: inbound?.frameHeight ?? 0,
    codec: stats.get(inbound?.codecId)?.mimeType ?? null,
  };
}

// The ICE pair in use: which addresses the media really takes. Firefox has
// no transport stats; it marks the pair in use as `selected`.
export async function selectedCandidatePair() {
  const stats = await window.plenum.pc.getStats();
  const transport = [...stats.values()].find((s) => s.type === 'transport');
  const pair = stats.get(transport?.selectedCandidatePairId)
    ?? [...stats.values()].find((s) => s.type === 'candidate-pair' && s.selected);
  if (!pair) return null;
  const describe = (id) => {
    const { candidateType, protocol, address, port } = stats.get(id);
    return { candidateType, protocol, address, port };
  };
  return { local: describe(pair.localCandidateId), remote: describe(pair.remoteCandidateId) };
}

export function describePair(pair) {
  if (!pair) return 'none';
  const side = ({ candidateType, protocol, address, port }) => `${candidateType} ${protocol} ${address}:${port}`;
  return `${side(pair.local)} -> ${side(pair.remote)}`;
}

// The page's controls by their accessible names, as a person finds them,
// whether Playwright (Chromium) or puppeteer-core (Firefox) drives the page.
const isPlaywright = (page) => typeof page.getByRole === 'function';

export function clickButton(page, name) {
  return isPlaywright(page) ? page.getByRole('button', { name }).click()
    : page.locator(`::-p-aria([name="${name}"][role="button"])`).click();
}

function fillField(page, label, text) {
  return isPlaywright(page) ? page.getByLabel(label).fill(text)
    : page.locator(`::-p-aria([name="${label}"][role="textbox"])`).fill(text);
}

// Opens the client in a fresh browser context (its own user) and joins:
// `browser` is Playwright's or puppeteer-core's (launched with a
// defaultViewport of 1280x800).
export async function joinRoom(browser, url, room, name, log) {
  const context = typeof browser.newContext === 'function'
    ? await browser.newContext({ viewport: { width: 1280, height: 800 } })
    : await browser.createBrowserContext();
  const page = await context.newPage();
  // Loading the page, finding a control, clicking it: stretched as waits are.
  page.setDefaultTimeout(scaled(PAGE_ACTION_TIMEOUT_MS));
  page.on('pageerror', (error) => log.push(`page ${name}: uncaught ${error.message}`));
  page.on('console', (message) => log.push(`page ${name}: console.${message.type()} ${message.text()}`));
  await page.goto(`${url}/?room=${room}`);
  await fillField(page, 'Your name', name);
  await clickButton(page, 'Join');
  return page;
}

// --- Steps --------------------------------------------------------------------

// Returns step(title, body), which declares a test that runs unless an
// earlier step failed (the later ones depend on it and would only add their
// own timeouts); a failing step sets `state.failed` and leaves screenshots
// of `pages()` named after `label`.
export function stepper(label, pages, state) {
  return function step(title, body) {
    it(title, async (t) => {
      if (state.failed) {
        t.skip('an earlier step failed');
        return;
      }
      try {
        await body(t);
      } catch (error) {
        state.failed = true;
        // A page that cannot be captured must not hide the real failure.
        await Promise.all(pages().map((page, i) => page.screenshot({
          path: path.join(ARTIFACT_DIR, `${label}-failure-page${i + 1}.png`),
        }).catch(() => {})));
        throw error;
      }
    });
  };
}

// --- A two-person call ---------------------------------------------------------

// Declares the steps of a call between `names.length` pages that `call()`
// returns once set up ({ pages, names }), with stepper().
// `checkConnection(page, i, pair, t)` checks the ICE pair of each page;
// `mediaSteps(step)` declares more steps while media flows (before the
// mute and the leave).
export function callSteps(label, call, state, { checkConnection = () => {}, mediaSteps = () => {} } = {}) {
  const step = stepper(label, () => call().pages, state);

  step('every page connects', async (t) => {
    for (const [i, page] of call().pages.entries()) {
      await waitFor(`page ${i + 1} to connect`, () => page.evaluate(readPage),
        ({ state: s }) => s === 'connected', { timeout: CONNECT_TIMEOUT_MS, hopeless: ended });
      const pair = await page.evaluate(selectedCandidatePair);
      t.diagnostic(`page ${i + 1} ICE pair: ${describePair(pair)}`);
      await checkConnection(page, i, pair, t);
    }
  });

  step('each page lists the other', async () => {
    const { pages, names } = call();
    for (const [i, page] of pages.entries()) {
      const other = names[1 - i];
      await waitFor(`page ${i + 1} to list ${other}`, () => page.evaluate(readPage),
        ({ roster }) => roster.length === 2 && roster.includes(other),
        { timeout: ROSTER_TIMEOUT_MS, hopeless: ended });
    }
  });

  // Two people make a grid of two columns (PROTOCOL.md section 3); each
  // column holds one camera, and the fake cameras are far from black.
  step('every page shows both cameras, moving', async (t) => {
    const { pages, names } = call();
    const columns = names.length;
    const everyTileLit = (s) => s.litShares?.every((share) => share > MIN_LIT_SHARE);
    for (const [i, page] of pages.entries()) {
      const first = await waitFor(`page ${i + 1} composite to show every camera`,
        () => page.evaluate(sampleComposite, columns), everyTileLit,
        { timeout: MEDIA_TIMEOUT_MS, hopeless: ended });
      await waitFor(`page ${i + 1} composite to move`,
        () => page.evaluate(sampleComposite, columns),
        (s) => everyTileLit(s) && s.fingerprint !== first.fingerprint,
        { timeout: MEDIA_TIMEOUT_MS, hopeless: ended });
      t.diagnostic(`page ${i + 1} composite ${first.width}x${first.height}, lit per column ${first.litShares}`);
    }
  });

  step('every page plays audible audio', async (t) => {
    const { pages } = call();
    for (const [i, page] of pages.entries()) {
      const start = await waitFor(`page ${i + 1} to play remote audio`,
        () => page.evaluate(sampleAudio), (s) => s.playing, { timeout: MEDIA_TIMEOUT_MS, hopeless: ended });
      // The fake microphone beeps about once a second; energy grows with each.
      const end = await waitFor(`page ${i + 1} audio energy to grow`,
        () => page.evaluate(sampleAudio),
        (s) => s.playing && s.totalAudioEnergy - start.totalAudioEnergy > MIN_AUDIO_ENERGY,
        { timeout: MEDIA_TIMEOUT_MS, hopeless: ended });
      t.diagnostic(`page ${i + 1} audio energy grew by ${(end.totalAudioEnergy - start.totalAudioEnergy).toFixed(3)}`);
    }
    // For people to look at: the call as page 1 sees it, media flowing.
    await pages[0].screenshot({ path: path.join(ARTIFACT_DIR, `${label}-page1.png`) });
  });

  mediaSteps(step);

  step('a mute shows on the other page, and so does the unmute', async () => {
    const { pages, names } = call();
    const [watcher, muter] = pages;
    const tagOf = (page, name) => page.roster.indexOf(name) >= 0 ? page.tags[page.roster.indexOf(name)] : null;
    await clickButton(muter, 'Mute microphone');
    await waitFor(`page 1 to show ${names[1]} muted`, () => watcher.evaluate(readPage),
      (page) => tagOf(page, names[1])?.includes('muted'), { timeout: ROSTER_TIMEOUT_MS, hopeless: ended });
    await clickButton(muter, 'Unmute microphone');
    await waitFor(`page 1 to show ${names[1]} unmuted`, () => watcher.evaluate(readPage),
      (page) => tagOf(page, names[1]) === '', { timeout: ROSTER_TIMEOUT_MS, hopeless: ended });
  });

  step('a leave shows on the other page', async () => {
    const { pages, names } = call();
    const [stayer, leaver] = pages;
    await clickButton(leaver, 'Leave');
    await waitFor('the leaving page to return to the form', () => leaver.evaluate(readPage),
      ({ state: s }) => s === 'left', { timeout: ROSTER_TIMEOUT_MS });
    await waitFor(`page 1 to drop ${names[1]} from its list`, () => stayer.evaluate(readPage),
      ({ roster }) => roster.length === 1 && !roster.includes(names[1]),
      { timeout: ROSTER_TIMEOUT_MS, hopeless: ended });
    // The one left behind stays in the call.
    assert.equal((await stayer.evaluate(readPage)).state, 'connected');
  });
}

// The end of a test's server: a crash or hang on the way out is a bug worth
// a failure; the output is printed when anything failed.
export async function finishServer(server, state) {
  const exit = server ? await stopServer(server) : null;
  const clean = !exit || (exit.code === 0 && exit.signal === null);
  if (server && (state.failed || !clean)) console.error(`server and page output:\n${server.output.join('\n')}`);
  assert.ok(clean, `the server did not exit cleanly on SIGTERM: ${JSON.stringify(exit)}`);
}
