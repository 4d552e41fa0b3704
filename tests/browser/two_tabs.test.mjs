// Two people join one room with the bundled web client, from two headless
// Chromium tabs on this machine, against a real plenum server over plain
// http://127.0.0.1 (a secure context, like localhost): both connect, each
// lists the other, both get moving video and audible audio, and a leave
// shows on the other side.

import { describe, before, after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

import {
  CHROMIUM, CHROMIUM_ARGS, callSteps, finishServer, joinRoom, startServer,
} from './support.mjs';

describe('two browser tabs in one room', () => {
  const room = `browser-${randomBytes(4).toString('hex')}`;
  const names = ['Ada', 'Grace'];
  const state = { failed: false };
  let server;
  let browser;
  const pages = [];

  before(async () => {
    try {
      server = startServer(['--bind=127.0.0.1', '--ice-local-address=127.0.0.1']);
      const { http } = await server.ready;
      // Chromium gathers 127.0.0.1, the only address the server offers;
      // every other local address is also this host's, so media stays on
      // the loopback interface.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...CHROMIUM_ARGS, '--allow-loopback-in-peer-connection'],
      });
      for (const name of names) pages.push(await joinRoom(browser, http, room, name, server.output));
    } catch (error) {
      state.failed = true;
      throw error;
    }
  });

  after(async () => {
    await browser?.close();
    await finishServer(server, state);
  });

  callSteps('browser-two-tabs', () => ({ pages, names }), state);
});
