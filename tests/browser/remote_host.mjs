// Another host on this machine, as far as networking goes: a network
// namespace of its own, joined to the caller's by a veth pair. The caller's
// end has `hostAddress`, the other end `remoteAddress`; a program started
// through in-netns.sh with PLENUM_NETNS=host.netns sees only the latter
// (and its own loopback), as a laptop on the LAN would.
//
// The namespace lives as long as a small holder process that exits when
// its stdin closes: when close() is called, or when this process dies in
// any way. Its veth pair goes with it. Needs root (ip, nsenter).

import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';

const HOLDER_START_TIMEOUT_MS = 10_000;

function run(command, ...args) {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export async function createRemoteHost({ hostAddress, remoteAddress, prefixLength = 24 }) {
  const suffix = randomBytes(3).toString('hex');
  const hostLink = `plh${suffix}`;
  const remoteLink = `plr${suffix}`;
  const holder = spawn('unshare', ['--net', '--', 'sh', '-c', 'echo ready; read ignored'],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const startTimeout = new AbortController();
  const [line] = await Promise.race([
    once(createInterface({ input: holder.stdout }), 'line'),
    once(holder, 'exit').then(([code]) => { throw new Error(`unshare --net exited with ${code}`); }),
    delay(HOLDER_START_TIMEOUT_MS, null, { signal: startTimeout.signal }).then(() => {
      holder.kill('SIGKILL');
      throw new Error(`the namespace holder did not start within ${HOLDER_START_TIMEOUT_MS} ms`);
    }),
  ]).finally(() => startTimeout.abort());
  if (line !== 'ready') throw new Error(`unexpected output from the namespace holder: ${line}`);
  // The holder must not keep this process alive: when this process ends in
  // any way, the holder's stdin closes, its `read` returns and it exits.
  holder.stdout.destroy();
  holder.stdin.unref();
  holder.unref();

  const netns = `/proc/${holder.pid}/ns/net`;
  const inside = (...args) => run('nsenter', `--net=${netns}`, '--', ...args);
  const close = () => {
    holder.stdin.end();
    holder.kill('SIGKILL');
  };
  try {
    run('ip', 'link', 'add', hostLink, 'type', 'veth', 'peer', 'name', remoteLink, 'netns', String(holder.pid));
    // No IPv6 link-local addresses: their duplicate detection ends a second
    // or two after the link comes up, and a browser started by then takes
    // the new address for a network change and aborts what it was loading.
    run('ip', 'link', 'set', hostLink, 'addrgenmode', 'none');
    run('ip', 'address', 'add', `${hostAddress}/${prefixLength}`, 'dev', hostLink);
    run('ip', 'link', 'set', hostLink, 'up');
    inside('ip', 'link', 'set', 'lo', 'up');
    inside('ip', 'link', 'set', remoteLink, 'addrgenmode', 'none');
    inside('ip', 'address', 'add', `${remoteAddress}/${prefixLength}`, 'dev', remoteLink);
    inside('ip', 'link', 'set', remoteLink, 'up');
  } catch (error) {
    close();
    throw new Error(`cannot set up the remote host's link: ${error.stderr?.toString() ?? error.message}`);
  }
  return { hostAddress, remoteAddress, netns, close };
}
