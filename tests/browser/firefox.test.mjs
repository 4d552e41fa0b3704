// A third WebRTC stack: Firefox ESR (driven through puppeteer-core over
// WebDriver BiDi) and Chromium join one room with the bundled web client,
// over https with the server's self-signed certificate at 10.200.0.1 (the
// veth of scripts/isolated-net.sh --default-route: Firefox gathers ICE
// candidates only on the default route's interface, and never on
// loopback). Each browser's microphone is a tone of its own (Firefox's fake
// one a steady 1 kHz, Chromium's a file of 440 Hz bursts), and what each
// page receives is measured in the page: Firefox hears Chromium's tone and
// not its own, Chromium hears Firefox's and not its own, and both decode the
// room's composite, one tile a camera, moving.

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

import {
  CHROMIUM, CHROMIUM_ARGS, FIREFOX, FIREFOX_PREFS, FIREFOX_TONE_HZ, MEDIA_TIMEOUT_MS, ROSTER_TIMEOUT_MS,
  callSteps, clickButton, ended, finishServer, joinRoom, readPage, sampleInboundVideo, sampleSpectrum,
  scaled, startServer, waitFor, writeToneWav,
} from './support.mjs';

const SERVER_ADDRESS = '10.200.0.1';
const BROWSER_START_TIMEOUT_MS = 30_000;
const PROTOCOL_TIMEOUT_MS = 30_000;
// Chromium's microphone: a file of bursts of a tone (writeToneWav) far from
// Firefox's 1 kHz, neither a harmonic of the other.
const CHROMIUM_TONE_HZ = 440;
// The veth's two ends (scripts/isolated-net.sh): Chromium gathers on both.
const VETH_ADDRESSES = [SERVER_ADDRESS, '10.200.0.2'];
// How long one spectrum is averaged over.
const SPECTRUM_SECONDS = 2;
// A tone a page hears stands this far above the noise floor of what it
// receives (measured here, idle and loaded: 45 to 82 dB).
const AUDIBLE_DB = 30;
// A tone a page must not hear (its own) stays this far below the one it
// hears, in the same spectrum (measured: 46 to 75 dB below). A mix that gave
// a page its own voice back would hold its tone about as loud as the other
// page hears it (-24 and -35 dBFS here), within some 11 dB of the other's.
const LEAK_MARGIN_DB = 30;
// A muted microphone's tone drops this far (measured: over 100 dB, to the
// decoder's silence).
const MUTED_DROP_DB = 30;

// Whether this network namespace has a default route (/proc/net/route:
// destination 00000000).
function hasDefaultRoute() {
  return readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)
    .some((line) => line.split('\t')[1] === '00000000');
}

const describeSpectrum = (s) => `${Object.entries(s.levels ?? {}).map(([hz, db]) => `${hz} Hz ${db} dB`).join(', ')}`
  + `, floor ${s.floor} dB, strongest ${s.peakHz} Hz`;

describe('Firefox and Chromium in one room', () => {
  const room = `firefox-${randomBytes(4).toString('hex')}`;
  // Chromium joins first: its camera is the composite's left tile.
  const names = ['Ada on Chromium', 'Grace on Firefox'];
  const tones = [CHROMIUM_TONE_HZ, FIREFOX_TONE_HZ];
  const state = { failed: false };
  let scratch;
  let server;
  let chromiumBrowser;
  let firefoxBrowser;
  const pages = [];

  before(async () => {
    try {
      assert.ok(hasDefaultRoute(), 'no default route here, and Firefox gathers no ICE candidates without one: '
        + 'run this test through scripts/isolated-net.sh --default-route (meson test does)');
      scratch = mkdtempSync(path.join(os.tmpdir(), 'plenum-browser-firefox-'));
      const tone = path.join(scratch, `tone-${CHROMIUM_TONE_HZ}.wav`);
      writeToneWav(tone, CHROMIUM_TONE_HZ);
      // ICE on the veth only: Firefox's one candidate is there.
      server = startServer([`--bind=${SERVER_ADDRESS}`, `--ice-local-address=${SERVER_ADDRESS}`]);
      const url = `https://${SERVER_ADDRESS}:${new URL((await server.ready).https).port}`;
      // The self-signed certificate is accepted as a person would after
      // comparing its fingerprint.
      chromiumBrowser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...CHROMIUM_ARGS, '--ignore-certificate-errors', `--use-file-for-fake-audio-capture=${tone}`],
        timeout: scaled(BROWSER_START_TIMEOUT_MS),
      });
      firefoxBrowser = await puppeteer.launch({
        browser: 'firefox',
        protocol: 'webDriverBiDi',
        executablePath: FIREFOX,
        headless: true,
        acceptInsecureCerts: true,
        defaultViewport: { width: 1280, height: 800 },
        extraPrefsFirefox: FIREFOX_PREFS,
        timeout: scaled(BROWSER_START_TIMEOUT_MS),
        // No command to the page takes long (a spectrum, 2 s): one that
        // does has hung, and the test should say so before meson's limit.
        protocolTimeout: scaled(PROTOCOL_TIMEOUT_MS),
      });
      server.output.push(`firefox: ${await firefoxBrowser.version()}, chromium: ${chromiumBrowser.version()}`);
      pages.push(await joinRoom(chromiumBrowser, url, room, names[0], server.output));
      // The second joins once the first is in: the tiles' order is fixed.
      await waitFor(`${names[0]} to join`, () => pages[0].evaluate(readPage),
        ({ roster }) => roster.length === 1, { timeout: ROSTER_TIMEOUT_MS, hopeless: ended });
      pages.push(await joinRoom(firefoxBrowser, url, room, names[1], server.output));
    } catch (error) {
      state.failed = true;
      throw error;
    }
  });

  after(async () => {
    try {
      // puppeteer-core kills Firefox's process group when it has not quit
      // 5 s after being asked to; should the asking itself fail, it is
      // killed here: no browser outlives the test.
      await Promise.allSettled([chromiumBrowser?.close(), firefoxBrowser?.close()]);
      const firefoxProcess = firefoxBrowser?.process();
      if (firefoxProcess && firefoxProcess.exitCode === null && firefoxProcess.signalCode === null) {
        process.kill(-firefoxProcess.pid, 'SIGKILL');
      }
    } finally {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
    await finishServer(server, state);
  });

  callSteps('browser-firefox', () => ({ pages, names }), state, {
    // The media takes the veth, to the address where the server gathers
    // (Chromium may use a peer-reflexive candidate for the server's, whose
    // address it does not show).
    checkConnection: (page, i, pair) => {
      assert.ok(pair, `page ${i + 1} (${names[i]}) has no selected ICE pair`);
      if (pair.remote.address || pair.remote.candidateType !== 'prflx') {
        assert.equal(pair.remote.address, SERVER_ADDRESS, `page ${i + 1} (${names[i]}) sends elsewhere`);
      }
      assert.ok(VETH_ADDRESSES.includes(pair.local.address),
        `page ${i + 1} (${names[i]}) sends from ${pair.local.address}, not the veth`);
    },

    mediaSteps: (step) => {
      step('every page decodes the composite, frame after frame', async (t) => {
        for (const [i, page] of pages.entries()) {
          const first = await waitFor(`page ${i + 1} (${names[i]}) to decode the composite`,
            () => page.evaluate(sampleInboundVideo), (s) => s.framesDecoded > 0 && s.width > 0 && s.height > 0,
            { timeout: MEDIA_TIMEOUT_MS, hopeless: ended });
          const later = await waitFor(`page ${i + 1} (${names[i]}) to decode more frames`,
            () => page.evaluate(sampleInboundVideo), (s) => s.framesDecoded >= first.framesDecoded + 10,
            { timeout: MEDIA_TIMEOUT_MS, hopeless: ended });
          t.diagnostic(`page ${i + 1} (${names[i]}) decodes ${later.codec} ${later.width}x${later.height}, `
            + `frames ${first.framesDecoded} -> ${later.framesDecoded}`);
        }
      });

      // The server sends each the mix of everybody else (mix-minus): each
      // browser hears the other's tone and not its own. One spectrum shows
      // both, once the other's tone has come through.
      step('each browser hears the other\'s tone, never its own', async (t) => {
        for (const [i, page] of pages.entries()) {
          const [own, other] = [tones[i], tones[1 - i]];
          const options = { frequencies: [other, own], seconds: SPECTRUM_SECONDS };
          await waitFor(`page ${i + 1} (${names[i]}) to hear ${other} Hz`,
            () => page.evaluate(sampleSpectrum, options),
            (s) => s.levels?.[other] > s.floor + AUDIBLE_DB,
            { timeout: MEDIA_TIMEOUT_MS, interval: 0, hopeless: ended });
          const heard = await page.evaluate(sampleSpectrum, options);
          t.diagnostic(`page ${i + 1} (${names[i]}) receives ${describeSpectrum(heard)}`);
          assert.ok(heard.levels[other] > heard.floor + AUDIBLE_DB,
            `page ${i + 1} (${names[i]}) does not hear the other's ${other} Hz: ${describeSpectrum(heard)}`);
          assert.ok(heard.levels[own] < heard.levels[other] - LEAK_MARGIN_DB,
            `page ${i + 1} (${names[i]}) hears its own ${own} Hz: ${describeSpectrum(heard)}`);
          assert.ok(Math.abs(heard.peakHz - other) <= 20,
            `the strongest sound page ${i + 1} (${names[i]}) receives is not the other's tone: `
            + describeSpectrum(heard));
        }
      });

      // The tone Chromium hears is Firefox's microphone, live: muted, it
      // goes; unmuted, it comes back.
      step('Firefox\'s tone goes from Chromium\'s mix while Firefox is muted', async (t) => {
        const [listener, firefox] = pages;
        const options = { frequencies: [FIREFOX_TONE_HZ], seconds: SPECTRUM_SECONDS };
        const heard = await listener.evaluate(sampleSpectrum, options);
        const toneOf = (s) => s.levels?.[FIREFOX_TONE_HZ];
        assert.ok(toneOf(heard) > heard.floor + AUDIBLE_DB,
          `Chromium does not hear Firefox's tone before the mute: ${describeSpectrum(heard)}`);
        await clickButton(firefox, 'Mute microphone');
        const muted = await waitFor('Chromium to stop hearing Firefox\'s tone',
          () => listener.evaluate(sampleSpectrum, options), (s) => toneOf(s) < toneOf(heard) - MUTED_DROP_DB,
          { timeout: MEDIA_TIMEOUT_MS, interval: 0, hopeless: ended });
        await clickButton(firefox, 'Unmute microphone');
        const unmuted = await waitFor('Chromium to hear Firefox\'s tone again',
          () => listener.evaluate(sampleSpectrum, options), (s) => toneOf(s) > s.floor + AUDIBLE_DB,
          { timeout: MEDIA_TIMEOUT_MS, interval: 0, hopeless: ended });
        t.diagnostic(`Chromium receives, Firefox unmuted: ${describeSpectrum(heard)}; `
          + `muted: ${describeSpectrum(muted)}; unmuted again: ${describeSpectrum(unmuted)}`);
      });
    },
  });
});
