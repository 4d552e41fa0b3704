// The "Connection" panel: the steps of this tab's connection as the server
// recorded them (Plenum's `get-connection` message, see the README), with
// their times from the join, the current rates, and the browser's own view
// of the same connection beside them, so that a person whose call failed
// can see which step failed.
//
// The panel asks while it is open: every REFRESH_MS, through the session's
// `requestReport()` (which sends get-connection) and `pc` (for getStats).

export const REFRESH_MS = 2000;

// States that end a step badly.
const FAILED_STATES = new Set(['failed']);

const MEDIA = { audio: 'audio', video: 'video' };

// A step as a person reads it. `entry` is one timeline entry of the
// server's report ({at, step, ...details}).
export function describeStep(entry) {
  const count = entry.count > 1 ? ` \u00d7${entry.count}` : '';
  switch (entry.step) {
    case 'socket-opened': return 'Signaling socket opened';
    case 'joined': return `Joined room ${entry.room ?? ''}`.trim();
    case 'offer': return entry.renegotiation ? 'Offer from this browser (renegotiation)' : 'Offer from this browser';
    case 'answer': return 'Answer from the server';
    case 'remote-candidate':
      if (entry.end) return 'This browser: end of candidates';
      return `Candidate from this browser: ${entry.type ?? '?'}${entry.ignored ? ' (ignored)' : ''}${count}`;
    case 'local-candidate':
      if (entry.end) return 'Server: end of candidates';
      return `Candidate from the server: ${entry.type ?? '?'}${count}`;
    case 'ice-state': return `ICE ${entry.state}`;
    case 'dtls-state': return `DTLS ${entry.state}`;
    case 'peer-connection-state': return `Connection ${entry.state}`;
    case 'selected-pair':
      return `Selected pair: server ${entry.localType}, this browser ${entry.remoteType}, ${entry.protocol}`
        + (entry.relayProtocol ? ` (relay over ${entry.relayProtocol})` : '');
    case 'first-media-in': return `First ${MEDIA[entry.kind] ?? entry.kind} from this browser`;
    case 'first-media-out': return `First ${MEDIA[entry.kind] ?? entry.kind} to this browser`;
    case 'mute': return `Muted ${entry.media}`;
    case 'unmute': return `Unmuted ${entry.media}`;
    case 'error': return `Error: ${entry.code}`;
    case 'left': return `Left: ${entry.reason}${entry.message ? ` (${entry.message})` : ''}`;
    default: return entry.step;
  }
}

// Whether a step is where things went wrong.
export function isFailedStep(entry) {
  if (FAILED_STATES.has(entry.state)) return true;
  return entry.step === 'error' || (entry.step === 'left' && entry.reason === 'failed');
}

// "+1.234 s" from the join (socket-opened comes a little before it: "-0.012 s").
function relativeTime(at, origin) {
  const time = Date.parse(at);
  if (!Number.isFinite(time) || !Number.isFinite(origin)) return '';
  const seconds = (time - origin) / 1000;
  return `${seconds < 0 ? '\u2212' : '+'}${Math.abs(seconds).toFixed(3)} s`;
}

function cell(tag, text, attributes = {}) {
  const element = document.createElement(tag);
  element.textContent = text;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

// What the browser itself says of the connection: its states, the pair it
// selected (candidate types and protocol; no addresses on screen), and the
// loss it sees both ways (the server's receiver reports about what this
// browser sends, and what this browser receives).
export async function browserView(pc) {
  if (!pc) return null;
  const view = { iceConnectionState: pc.iceConnectionState, connectionState: pc.connectionState };
  let stats;
  try {
    stats = await pc.getStats();
  } catch {
    return view;
  }
  const all = [...stats.values()];
  const transport = all.find((s) => s.type === 'transport');
  const pair = stats.get(transport?.selectedCandidatePairId)
    ?? all.find((s) => s.type === 'candidate-pair' && s.selected);
  if (pair) {
    const local = stats.get(pair.localCandidateId);
    const remote = stats.get(pair.remoteCandidateId);
    view.pair = {
      localType: local?.candidateType ?? '?',
      remoteType: remote?.candidateType ?? '?',
      protocol: local?.protocol ?? remote?.protocol ?? '?',
    };
  }
  if (transport?.dtlsState) view.dtlsState = transport.dtlsState;
  const loss = {};
  for (const kind of ['audio', 'video']) {
    const inbound = all.find((s) => s.type === 'inbound-rtp' && s.kind === kind);
    if (inbound && inbound.packetsReceived + inbound.packetsLost > 0) {
      loss[`${kind}In`] = (100 * Math.max(0, inbound.packetsLost)) / (inbound.packetsReceived + inbound.packetsLost);
    }
    const remoteInbound = all.find((s) => s.type === 'remote-inbound-rtp' && s.kind === kind);
    if (remoteInbound && typeof remoteInbound.fractionLost === 'number') {
      loss[`${kind}Out`] = 100 * remoteInbound.fractionLost;
    }
  }
  view.loss = loss;
  return view;
}

export class ConnectionPanel {
  // `elements`: { toggle, panel, summary, steps, rates, browser, updated }.
  // `source()` gives the current session or null: { requestReport(), pc }.
  constructor(elements, source) {
    this.ui = elements;
    this.source = source;
    this.report = null;
    this.view = null;
    this.timer = null;
    this.ended = null;
    this.ui.toggle.addEventListener('click', () => (this.isOpen() ? this.close() : this.open()));
  }

  isOpen() {
    return !this.ui.panel.hidden;
  }

  // A new call: what the last one showed goes.
  reset() {
    this.report = null;
    this.view = null;
    this.ended = null;
    this.ui.toggle.hidden = false;
    this.render();
    if (this.isOpen()) this.refresh();
  }

  open({ scroll = false } = {}) {
    this.ui.panel.hidden = false;
    this.ui.toggle.setAttribute('aria-expanded', 'true');
    this.render();
    this.refresh();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    if (scroll) this.ui.panel.scrollIntoView({ block: 'nearest' });
  }

  close() {
    this.ui.panel.hidden = true;
    this.ui.toggle.setAttribute('aria-expanded', 'false');
    clearInterval(this.timer);
    this.timer = null;
  }

  // Asks the server (the answer comes back through onReport) and the browser.
  async refresh() {
    const current = this.source();
    if (!current) return;
    current.requestReport();
    this.view = await browserView(current.pc);
    this.render();
  }

  onReport(report) {
    this.report = report;
    this.render();
  }

  // The call is over: the panel keeps what it last knew, and says why.
  onEnded(why) {
    this.ended = why;
    this.render();
  }

  render() {
    if (!this.isOpen()) return;
    this.renderSteps();
    this.renderRates();
    this.renderBrowser();
  }

  renderSteps() {
    const timeline = Array.isArray(this.report?.timeline) ? this.report.timeline : [];
    const joined = timeline.find((entry) => entry.step === 'joined');
    const origin = Date.parse(joined?.at ?? timeline[0]?.at);
    const items = timeline.map((entry, index) => {
      const item = document.createElement('li');
      item.dataset.step = entry.step;
      if (typeof entry.state === 'string') item.dataset.state = entry.state;
      const failed = isFailedStep(entry);
      item.classList.toggle('failed', failed);
      const last = index === timeline.length - 1;
      item.classList.toggle('last', last);
      if (last) item.setAttribute('aria-current', 'step');
      item.append(cell('span', relativeTime(entry.at, origin), { class: 'step-time' }));
      item.append(cell('span', describeStep(entry), { class: 'step-text' }));
      if (failed) item.append(cell('span', 'failed', { class: 'step-flag' }));
      else if (last) item.append(cell('span', 'last step', { class: 'step-flag' }));
      return item;
    });
    this.ui.steps.replaceChildren(...items);

    const failedAt = timeline.find(isFailedStep);
    let summary;
    if (!this.report) {
      summary = this.ended ?? 'Waiting for the server\u2019s record of this connection\u2026';
    } else if (failedAt) {
      summary = `Failed at: ${describeStep(failedAt)} (${relativeTime(failedAt.at, origin)})`;
    } else {
      const lastEntry = timeline[timeline.length - 1];
      summary = `State: ${this.report.state}${lastEntry ? `; last step: ${describeStep(lastEntry)}` : ''}`;
    }
    if (this.report && this.ended) summary += `. ${this.ended}`;
    this.ui.summary.textContent = summary;
    this.ui.summary.dataset.kind = failedAt || this.report?.state === 'failed' ? 'bad'
      : this.report?.state === 'connected' ? 'ok' : 'pending';
    const when = this.report ? new Date().toLocaleTimeString() : null;
    this.ui.updated.textContent = when ? `Updated ${when}, every ${REFRESH_MS / 1000} s while open.` : '';
  }

  renderRates() {
    const rates = this.report?.rates ?? {};
    const loss = this.view?.loss ?? {};
    const percent = (value) => (typeof value === 'number' ? `${value.toFixed(1)} %` : '\u2013');
    const rows = [
      ['Audio from you', rates.audioIn, loss.audioOut],
      ['Video from you', rates.videoIn, loss.videoOut],
      ['Audio to you', rates.audioOut, loss.audioIn],
      ['Video to you', rates.videoOut, loss.videoIn],
    ].map(([label, rate, lost]) => {
      const row = document.createElement('tr');
      row.append(cell('th', label, { scope: 'row' }));
      row.append(cell('td', rate ? `${rate.packetsPerSecond}` : '\u2013'));
      row.append(cell('td', rate ? `${rate.kbps}` : '\u2013'));
      row.append(cell('td', percent(lost)));
      return row;
    });
    // The server's own count since the connection began, from the RTCP
    // reports both ways: the figure an administrator sees in the API.
    const serverLoss = this.report?.loss;
    for (const [label, lost] of [
      ['All from you, server\u2019s count since the start', serverLoss?.in],
      ['All to you, server\u2019s count since the start', serverLoss?.out],
    ]) {
      const row = document.createElement('tr');
      row.append(cell('th', label, { scope: 'row' }));
      row.append(cell('td', '\u2013'));
      row.append(cell('td', '\u2013'));
      row.append(cell('td', lost ? `${lost.packets} packets, ${percent(lost.percent)}` : '\u2013'));
      rows.push(row);
    }
    this.ui.rates.replaceChildren(...rows);
  }

  renderBrowser() {
    const view = this.view;
    const pair = view?.pair;
    const rows = [
      ['ICE', view?.iceConnectionState],
      ['DTLS', view?.dtlsState],
      ['Connection', view?.connectionState],
      ['Selected pair', pair ? `this browser ${pair.localType}, server ${pair.remoteType}, ${pair.protocol}` : null],
    ].flatMap(([label, value]) => {
      const term = cell('dt', label);
      const description = cell('dd', value ?? '\u2013');
      if (FAILED_STATES.has(value)) description.classList.add('failed');
      description.dataset.field = label.toLowerCase().replace(' ', '-');
      return [term, description];
    });
    this.ui.browser.replaceChildren(...rows);
  }
}
