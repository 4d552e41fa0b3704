// Joining from another machine: Chromium runs in a network namespace of
// its own at 10.201.0.2 (a laptop on the LAN, as far as networking goes)
// and opens the server at https://10.201.0.1 with the server's own
// self-signed certificate, the way an administrator's colleagues would
// after a default install. Two tabs join one room over WSS; both hear and
// see each other, over ICE candidates the server offered on 10.201.0.1.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { createRemoteHost } from './remote_host.mjs';
import {
  CHROMIUM, CHROMIUM_ARGS, CONNECT_TIMEOUT_MS, callSteps, finishServer, joinRoom, scaled, startServer, waitFor,
} from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SERVER_ADDRESS = '10.201.0.1';
const BROWSER_ADDRESS = '10.201.0.2';
const TLS_TIMEOUT_MS = 10_000;

// The certificate the server presents at `port`, as Node sees it.
function presentedCertificate(host, port) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, timeout: scaled(TLS_TIMEOUT_MS) }, () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      resolve(certificate);
    });
    socket.once('timeout', () => socket.destroy(new Error(`no TLS handshake with ${host}:${port}`)));
    socket.once('error', reject);
  });
}

describe('two browsers on another host join over https', () => {
  const room = `remote-${randomBytes(4).toString('hex')}`;
  const names = ['Ada', 'Grace'];
  const state = { failed: false };
  let remoteHost;
  let server;
  let listening;
  let browser;
  const pages = [];

  before(async () => {
    try {
      // The link first, so that the certificate the server makes at its
      // first start names the address the browsers will use.
      remoteHost = await createRemoteHost({ hostAddress: SERVER_ADDRESS, remoteAddress: BROWSER_ADDRESS });
      // The server on its defaults, as installed: every address, ICE on
      // every interface, a self-signed certificate.
      server = startServer([]);
      listening = await server.ready;
    } catch (error) {
      state.failed = true;
      throw error;
    }
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      remoteHost?.close();
    }
    await finishServer(server, state);
  });

  it('serves the certificate it reported, naming this address, kept private', async () => {
    assert.match(listening.https, /^https:\/\/0\.0\.0\.0:\d+$/);
    assert.ok(listening.fingerprint, 'the server did not log its certificate fingerprint');
    const port = Number(new URL(listening.https).port);
    const certificate = await presentedCertificate(SERVER_ADDRESS, port);
    assert.equal(certificate.fingerprint256, listening.fingerprint,
      'the fingerprint logged is not the one of the certificate served');
    assert.ok(certificate.subjectaltname.split(', ').includes(`IP Address:${SERVER_ADDRESS}`),
      `the certificate does not name ${SERVER_ADDRESS}: ${certificate.subjectaltname}`);
    for (const file of ['cert.pem', 'key.pem']) {
      const mode = statSync(path.join(server.dataDir, 'tls', file)).mode & 0o777;
      assert.equal(mode.toString(8), '600', `${file} is readable by others`);
    }
  });

  it('opens the page over https from the other host', async () => {
    const url = `https://${SERVER_ADDRESS}:${new URL(listening.https).port}`;
    browser = await chromium.launch({
      executablePath: path.join(here, 'in-netns.sh'),
      env: { ...process.env, PLENUM_NETNS: remoteHost.netns, PLENUM_CHROMIUM: CHROMIUM },
      // The self-signed certificate is accepted as a person would after
      // comparing its fingerprint.
      args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'],
    });
    try {
      for (const name of names) pages.push(await joinRoom(browser, url, room, name, server.output));
      for (const [i, page] of pages.entries()) {
        assert.ok(page.url().startsWith(`${url}/`), `the page is at ${page.url()}`);
        // The socket opens once the camera and microphone are granted.
        const signaling = await waitFor(`page ${i + 1} to open its signaling socket`,
          () => page.evaluate(() => window.plenum.ws?.url ?? null), (seen) => seen !== null,
          { timeout: CONNECT_TIMEOUT_MS });
        assert.ok(signaling.startsWith(`wss://${SERVER_ADDRESS}:`), `signaling went to ${signaling}`);
      }
    } catch (error) {
      state.failed = true;
      throw error;
    }
  });

  callSteps('browser-cross-address', () => ({ pages, names }), state, {
    // The media must flow between the two hosts' addresses: a candidate the
    // server offered on 10.201.0.1, reached from the browser's host.
    // Chromium does not show the address of a peer-reflexive remote
    // candidate (one it learnt from the server's checks before the
    // server's trickled candidate came); from that namespace it can only
    // be the server's 10.201.0.1 anyway.
    checkConnection: (page, i, pair) => {
      assert.ok(pair, `page ${i + 1} has no selected ICE pair`);
      if (pair.remote.address || pair.remote.candidateType !== 'prflx') {
        assert.equal(pair.remote.address, SERVER_ADDRESS,
          `page ${i + 1} does not send to the server's address on its link`);
      }
      if (pair.local.address) {
        assert.equal(pair.local.address, BROWSER_ADDRESS, `page ${i + 1} sends from another address`);
      }
    },
  });
});
