// Two people join one room with the bundled web client, from two headless
// Chromium tabs on this machine, against a real plenum server over plain
// http://127.0.0.1 (a secure context, like localhost): both connect, each
// lists the other, both get moving video and audible audio, the Connection
// panel lists the connection's steps in order, and a leave shows on the
// other side. Then a call whose media cannot get through (a firewall in
// the test's namespace drops the server's ICE ports): the panel opens by
// itself and marks the step that failed.

import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import {
  ARTIFACT_DIR, CHROMIUM, CHROMIUM_ARGS, CONNECT_TIMEOUT_MS, MEDIA_TIMEOUT_MS, callSteps, finishServer, joinRoom,
  startServer, stepper, waitFor,
} from './support.mjs';

// The Connection panel as a person reads it (run inside the page): whether
// it is open, its summary, its steps in order (with which one is marked
// failed and which is the last), and the browser's own view.
function readConnectionPanel() {
  const toggle = document.getElementById('connection-toggle');
  const panel = document.getElementById('connection-panel');
  return {
    state: document.body.dataset.state,
    expanded: toggle.getAttribute('aria-expanded'),
    open: !panel.hidden,
    summary: document.getElementById('connection-summary').textContent,
    steps: [...panel.querySelectorAll('#connection-steps li')].map((item) => ({
      step: item.dataset.step,
      state: item.dataset.state ?? null,
      text: item.querySelector('.step-text').textContent,
      time: item.querySelector('.step-time').textContent,
      failed: item.classList.contains('failed'),
      last: item.getAttribute('aria-current') === 'step',
    })),
    browser: Object.fromEntries([...panel.querySelectorAll('#connection-browser dd')]
      .map((value) => [value.dataset.field, value.textContent])),
    audioFromYou: Number(panel.querySelector('#connection-rates tr td')?.textContent),
  };
}

// The panel's steps in order, checked: each of `wanted` (a step name or a
// test of a step) after the one before it.
function stepsInOrder(steps, wanted) {
  let from = 0;
  for (const want of wanted) {
    const test = typeof want === 'string' ? (s) => s.step === want : want;
    const index = steps.findIndex((s, i) => i >= from && test(s));
    if (index < 0) return false;
    from = index + 1;
  }
  return true;
}

const CONNECTED_CALL_STEPS = [
  'socket-opened', 'joined', 'offer', 'answer',
  (s) => s.step === 'selected-pair' && /server host, this browser (host|prflx), udp/.test(s.text),
  (s) => s.step === 'peer-connection-state' && s.state === 'connected',
];

function connectionPanelSteps(step, call) {
  step('the Connection panel lists the steps in order', async (t) => {
    const [page] = call().pages;
    const toggle = page.getByRole('button', { name: 'Connection', exact: true });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await toggle.click();
    const seen = await waitFor('the panel to list the call up to its first media out',
      () => page.evaluate(readConnectionPanel),
      (p) => stepsInOrder(p.steps, CONNECTED_CALL_STEPS)
        && ['audio', 'video'].every((kind) => p.steps.some((s) => s.step === 'first-media-in' && s.text.includes(kind))
          && p.steps.some((s) => s.step === 'first-media-out' && s.text.includes(kind)))
        && p.audioFromYou >= 25 && p.browser.connection === 'connected',
      { timeout: MEDIA_TIMEOUT_MS, interval: 500 });
    t.diagnostic(`panel: ${seen.summary}; ${seen.steps.map((s) => `${s.time} ${s.text}`).join(' | ')}`);
    assert.equal(seen.expanded, 'true');
    assert.ok(seen.open);
    const index = (test) => seen.steps.findIndex(test);
    const pc = index((s) => s.step === 'peer-connection-state' && s.state === 'connected');
    for (const media of ['first-media-in', 'first-media-out']) {
      assert.ok(index((s) => s.step === media) > index((s) => s.step === 'answer'), `${media} after the answer`);
    }
    assert.ok(index((s) => s.step === 'first-media-out') > pc, 'media out once connected');
    assert.ok(index((s) => s.step === 'dtls-state' && s.state === 'connected') < pc, 'DTLS up before the connection');
    assert.deepEqual(seen.steps.filter((s) => s.failed), [], 'no step of a working call is marked failed');
    assert.ok(seen.steps.at(-1).last, 'the last step is marked');
    assert.match(seen.steps.find((s) => s.step === 'joined').time, /^\+0\.000 s$/);
    assert.match(seen.summary, /^State: connected/);
    assert.match(seen.browser['selected-pair'], /this browser host, server (host|prflx), udp/);
    assert.equal(seen.browser.ice, 'connected');
    // No addresses on screen: types and protocols only.
    assert.doesNotMatch(JSON.stringify(seen), /127\.0\.0\.1/);
    await page.locator('#connection-panel').screenshot({
      path: path.join(ARTIFACT_DIR, 'browser-two-tabs-connection-panel.png'),
    });
  });
}

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

  const call = () => ({ pages, names });
  callSteps('browser-two-tabs', call, state, { mediaSteps: (step) => connectionPanelSteps(step, call) });
});

// iptables of the test's own namespace (isolated-net.sh): never the host's.
function iptables(args) {
  assert.equal(process.env.PLENUM_ISOLATED_NET, '1', 'a firewall rule only inside the test\'s own namespace');
  const binary = ['/usr/sbin/iptables', '/sbin/iptables'].find((file) => existsSync(file)) ?? 'iptables';
  execFileSync(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('a call whose media cannot get through', () => {
  const room = `browser-fail-${randomBytes(4).toString('hex')}`;
  const state = { failed: false };
  // Below Linux's ephemeral ports, so that no other socket of the test is hit.
  const portMin = randomInt(20000, 30000);
  const dropRule = ['INPUT', '-p', 'udp', '--dport', `${portMin}:${portMin + 9}`, '-j', 'DROP'];
  let ruleAdded = false;
  let server;
  let browser;
  const pages = [];

  before(async () => {
    try {
      // The server's only candidates are UDP on these ports, which a
      // firewall drops: what a person behind one sees.
      iptables(['-I', ...dropRule]);
      ruleAdded = true;
      server = startServer(['--bind=127.0.0.1', '--ice-local-address=127.0.0.1', '--ice-tcp=false',
        `--ice-port-min=${portMin}`, `--ice-port-max=${portMin + 9}`]);
      const { http } = await server.ready;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...CHROMIUM_ARGS, '--allow-loopback-in-peer-connection'],
      });
      pages.push(await joinRoom(browser, http, room, 'Hedy', server.output));
    } catch (error) {
      state.failed = true;
      throw error;
    }
  });

  after(async () => {
    await browser?.close();
    if (ruleAdded) iptables(['-D', ...dropRule]);
    await finishServer(server, state);
  });

  const step = stepper('browser-connection-failed', () => pages, state);

  step('the panel opens by itself and marks the step that failed', async (t) => {
    const [page] = pages;
    const seen = await waitFor('the panel to open by itself and mark a failed step',
      () => page.evaluate(readConnectionPanel),
      (p) => p.open && p.steps.some((s) => s.failed), { timeout: 2 * CONNECT_TIMEOUT_MS, interval: 500 });
    const steps = seen.steps.map((s) => `${s.time} ${s.text}${s.failed ? ' [failed]' : ''}`);
    t.diagnostic(`panel: ${seen.summary}; ${steps.join(' | ')}`);
    assert.equal(seen.expanded, 'true', 'opened without a click');
    // It got as far as the answer and the candidates, never to a pair.
    assert.ok(stepsInOrder(seen.steps, ['socket-opened', 'joined', 'offer', 'answer']));
    assert.ok(!seen.steps.some((s) => s.step === 'selected-pair' || s.step.startsWith('first-media')));
    const failed = seen.steps.find((s) => s.failed);
    assert.ok(['ice-state', 'peer-connection-state'].includes(failed.step), `failed at ${failed.step}`);
    assert.equal(failed.state, 'failed');
    assert.match(seen.summary, /^Failed at: (ICE|Connection) failed/);
    // For people to look at: the panel, and the whole page it opened on.
    await page.locator('#connection-panel').screenshot({
      path: path.join(ARTIFACT_DIR, 'browser-connection-failed-panel.png'),
    });
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'browser-connection-failed-page1.png'), fullPage: true });
  });
});
