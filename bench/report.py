#!/usr/bin/env python3
"""Turns plenum-bench's JSON lines into results/RESULTS.md and PNG plots (gnuplot).

usage: report.py RAW.jsonl RESULTS_DIR
"""
import json
import math
import os
import statistics
import subprocess
import sys


GROWTH_MS = 40.0  # two 20 ms frames: one re-buffering step of a jitter buffer or FIFO is not a trend


def pct(values, p):
    if not values:
        return math.nan
    values = sorted(values)
    rank = p / 100 * (len(values) - 1)
    low = math.floor(rank)
    high = min(len(values) - 1, low + 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def fmt(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


ENGINE_ARGS = ("--media-engine=", "--media-threads=")


def engine_of(r):
    """plenum's room engine (webrtcbin unless --media-engine said otherwise), audiobridge for Janus."""
    if r.get("engine"):
        return r["engine"]
    if r["target"] == "janus":
        return "audiobridge"
    for a in (r.get("serverArgs") or "").split():
        if a.startswith("--media-engine="):
            return a.split("=", 1)[1]
    return "webrtcbin" if r["target"] == "plenum" else "none"


def label_of(r):
    """'plenum native', 'janus audiobridge', 'plenum webrtcbin [--encoder-threads=1]': the series a row is in."""
    extra = [a for a in (r.get("serverArgs") or "").split() if not a.startswith(ENGINE_ARGS)]
    return f"{r['target']} {engine_of(r)}" + (f" [{' '.join(extra)}]" if extra else "")


def rss_per_participant(r):
    """What the room added to the server's resident memory, per participant (MiB)."""
    if r.get("rssMiB") is None or r.get("rssIdleMiB") is None or not r.get("n"):
        return None
    return (r["rssMiB"] - r["rssIdleMiB"]) / r["n"]


def bot_bound(r):
    """The bench process (every bot) used 90 % or more of its cores: the bots, not the server, may bound the row."""
    return (r.get("botCpuPct") or 0) >= 90 * (r.get("botCores") or 1)


def limits(r):
    """What bounds a row's figures, from what the bench measured over its window."""
    if not r.get("completed"):
        joined = r.get("joined")
        return (f"failed ({joined} of {r['n']} joined): " if joined is not None else "failed: ") + r.get("error", "?")[:100]
    notes = []
    bot, bot_core = r.get("botCpuPct"), r.get("botCoreBusyPct")
    server, server_core = r.get("cpuPct"), r.get("serverCoreBusyPct")
    server_wait, bot_wait = r.get("serverThreadWaitPct"), r.get("botThreadWaitPct")
    cores = r.get("botCores") or 1
    if bot_bound(r):
        notes.append(f"**bots**: the bench used {fmt(bot, 0)} % of a core" + (f" on {cores} cores" if cores > 1 else ""))
    elif bot_core is not None and bot is not None and bot_core - bot / cores >= 10:
        notes.append(f"bots' core{'s' if cores > 1 else ''} {'saturated by' if bot_core >= 95 else 'shared with'} other load "
                     f"({fmt(bot_core - bot / cores, 0)} % not the bench's)")
    if (server or 0) >= 95:
        notes.append(f"**server**: its core saturated ({fmt(server, 0)} %)")
    elif server_core is not None and server is not None and server_core - server >= 10:
        notes.append(f"server's core {'saturated by' if server_core >= 95 else 'shared with'} other load "
                     f"({fmt(server_core - server, 0)} % not the server's)")
    if (server_wait or 0) >= 5:
        notes.append(f"a server thread ({r.get('serverThreadWaitName') or '?'}) waited {fmt(server_wait, 0)} % of the "
                     "window for a CPU")
    if (bot_wait or 0) >= 5:
        notes.append(f"a bench thread ({r.get('botThreadWaitName') or '?'}) waited {fmt(bot_wait, 0)} % of the window "
                     "for a CPU")
    steal = max(r.get("serverCoreStealPct") or 0, r.get("botCoreStealPct") or 0)
    if steal >= 5:
        notes.append(f"hypervisor steal {fmt(steal, 0)} %")
    if not r.get("realtime"):
        why = []
        if not (49.0 <= r.get("audioPpsMin", 0) and r.get("audioPpsMax", 1e9) <= 51.0):
            why.append(f"audio {fmt(r.get('audioPpsMin'))}–{fmt(r.get('audioPpsMax'))} pkt/s")
        if r.get("video") and r.get("videoFpsMin", 0) < 0.95 * 30:
            why.append(f"composite min {fmt(r.get('videoFpsMin'))} fps")
        if r.get("latencyGrowthMs", 0) > GROWTH_MS:
            why.append(f"delay grew {fmt(r.get('latencyGrowthMs'), 0)} ms")
        if not r.get("audioLatencyMs"):
            why.append("no marker heard")
        notes.append("not real time: " + ", ".join(why))
    if not notes:
        bots = f"bots' core {fmt(bot_core, 0)} %" if bot_core is not None else f"the bench {fmt(bot, 0)} %"
        notes.append(f"neither core saturated (server {fmt(server, 0)} %, {bots})")
    return "; ".join(notes)


def broadcast_section(rows):
    """What one broadcast adds to a room (server CPU), and the marker's delay through it."""
    if not rows:
        return []
    rooms = {}
    for r in rows:
        key = ("video" if r.get("video") else "audio", r["n"], r.get("serverArgs") or "")
        rooms.setdefault(key, {})[r["broadcast"]] = r  # a re-run row replaces the earlier one
    out = ["## Broadcast: what one broadcast adds to a room, and its glass-to-glass delay\n",
           "Each row group is one room measured three times in a row, a fresh server each time: without a "
           "broadcast, with one RTMP broadcast (to nginx with libnginx-mod-rtmp on the bots' core, read back from it) "
           "and with one HLS broadcast (served by plenum, read from it by two viewers). The marker fires in a "
           "pseudo-random half of the seconds in all three (so that delays longer than a second can be matched). "
           "*Added* is the server's CPU with the broadcast minus without; the program's encode (x264 veryfast "
           "zerolatency 2500 kb/s, AAC 128 kb/s) and its muxing and output are all in the server's process.\n",
           "| room | N | server CPU % of a core: none | + RTMP (added) | + HLS (added) | RSS MiB none / RTMP / HLS "
           "| real time none / RTMP / HLS | bot CPU % none / RTMP / HLS |",
           "|---|---|---|---|---|---|---|---|"]

    def cpu(r):
        return r.get("cpuPct") if r and r.get("completed") else None

    def status(r):
        if not r:
            return "–"
        if not r.get("completed"):
            return "failed: " + r.get("error", "?")[:60]
        ok = 49.0 <= r.get("audioPpsMin", 0) and r.get("audioPpsMax", 1e9) <= 51.0
        if r.get("video"):
            ok = ok and r.get("videoFpsMin", 0) >= 0.95 * 30
        return "yes" if ok else "no"

    for (kind, n, args), by in sorted(rooms.items()):
        base = cpu(by.get("none"))
        cells = []
        for b in ("rtmp", "hls"):
            c = cpu(by.get(b))
            added = c - base if c is not None and base is not None else None
            cells.append(f"{fmt(c)} ({'+' if added is not None and added >= 0 else ''}{fmt(added)})")
        room = f"{kind}{' (' + str(by[next(iter(by))].get('cameras')) + ' cams)' if kind == 'video' else ''}"
        room += f" [{args}]" if args else ""
        out.append(f"| {room} | {n} | {fmt(base)} | {cells[0]} | {cells[1]} "
                   f"| {' / '.join(fmt(by.get(b, {}).get('rssMiB'), 0) for b in ('none', 'rtmp', 'hls'))} "
                   f"| {' / '.join(status(by.get(b)) for b in ('none', 'rtmp', 'hls'))} "
                   f"| {' / '.join(fmt(by.get(b, {}).get('botCpuPct'), 0) for b in ('none', 'rtmp', 'hls'))} |")
    out.append("| Janus AudioBridge | – | no equivalent | – | – | – | – | – |")
    out.append("")
    out.append("Janus: AudioBridge can only forward its mix as plain RTP (`rtp_forward`); RTMP or HLS would need a "
               "transcoder outside Janus (ffmpeg, GStreamer), and the Streaming plugin relays streams it is given, it "
               "does not compose a room. There is no Janus figure to put beside these.\n")

    out.append("Glass-to-glass: the marker bot's capture (burst, white camera) to the moment a viewer decodes it "
               "(*arrival*: frames handed over as soon as they are decoded, no player buffer) or shows it "
               "(*player*: played at the stream's pace from where hlsdemux starts, three segments behind the "
               "playlist's end, as hls.js does by default on the watch page). Not minus the bots' own path "
               "(a few ms). Over the steady window; *matched* is markers aligned with an emission / markers seen.\n")
    out.append("| room | N | output | viewer | audio p50 / p95 ms | video p50 / p95 ms | matched audio, video | broadcast state at the end |")
    out.append("|---|---|---|---|---|---|---|---|")
    for (kind, n, args), by in sorted(rooms.items()):
        for b in ("rtmp", "hls"):
            r = by.get(b)
            if not r:
                continue
            readers = r.get("broadcastReaders") or []
            if not readers:
                out.append(f"| {kind} | {n} | {b} | – | – | – | – | {'failed: ' + r.get('error', '?')[:80] if not r.get('completed') else r.get('broadcastState', '?')} |")
            for reader in readers:
                video = kind == "video"
                out.append(
                    f"| {kind} | {n} | {b} | {reader['name']} ({reader.get('pacing')}) "
                    f"| {fmt(reader.get('audioP50'), 0)} / {fmt(reader.get('audioP95'), 0)} "
                    f"| {(fmt(reader.get('videoP50'), 0) + ' / ' + fmt(reader.get('videoP95'), 0)) if video else '– (no camera)'} "
                    f"| {reader.get('audioMatched', 0)}/{reader.get('audioOnsets', 0)}"
                    f"{', ' + str(reader.get('videoMatched', 0)) + '/' + str(reader.get('videoOnsets', 0)) if video else ''} "
                    f"| {r.get('broadcastState', '?')}{' (viewer error: ' + reader['error'][:60] + ')' if reader.get('error') else ''} |")
    out.append("")
    out.append("What limits them: RTMP is the program's encode (x264 zerolatency: no B-frames or lookahead), the "
               "room's own path to the composite and mix, nginx relaying as it receives, and the viewer's decode; a "
               "real RTMP player adds its buffer (commonly 1 s or more). HLS adds, on top, the segment: a segment is "
               "listed only when it is complete (markers wait 0–2 s for the end of their 2 s segment), hlssink2's "
               "splitmuxsink lists it one GOP (2 s) after its last frame (it collects a whole GOP before deciding "
               "which segment it goes in), and the viewer finds it at its next playlist refresh (every target "
               "duration, 0–2 s); a marker a second samples only two points of each 2 s segment, so arrival figures are two "
               "clusters a second apart. A player then holds three segments back from the live edge (hls.js's "
               "`liveSyncDurationCount` 3, hlsdemux alike): the player figure. Shorter segments "
               "(`--hls-segment-seconds=1`) cut both, at the price of more keyframes.\n")
    return out


def main():
    raw, out = sys.argv[1], sys.argv[2]
    meta, rows = {}, []
    for line in open(raw):
        line = line.strip()
        if not line:
            continue
        record = json.loads(line)
        if record.get("meta"):
            meta.update(record)
        else:
            rows.append(record)

    baseline = next((r for r in rows if r["target"] == "loopback" and r.get("completed")), None)
    base_audio = baseline.get("audioLatencyP50", 0.0) if baseline else 0.0
    base_video = baseline.get("videoLatencyP50", 0.0) if baseline else 0.0

    def added(r, kind):
        base = base_audio if kind == "audio" else base_video
        return [v - base for v in r.get(kind + "LatencyMs", [])]

    # Real time, recomputed from the raw figures with the rule of README.md:
    # 50 +/- 1 audio packets/s at every bot, >= 95 % of 30 composite frames/s
    # at every bot in video rooms, a latency figure, and no growing delay
    # (last-quarter median at most GROWTH_MS above the first quarter's).
    for r in rows:
        if r["target"] == "loopback" or not r.get("completed"):
            continue
        ok = 49.0 <= r.get("audioPpsMin", 0) and r.get("audioPpsMax", 1e9) <= 51.0 and bool(r.get("audioLatencyMs"))
        if r.get("video"):
            ok = ok and r.get("videoFpsMin", 0) >= 0.95 * 30
        ok = ok and r.get("latencyGrowthMs", 0) <= GROWTH_MS
        r["realtime"] = ok

    # The broadcast series (run with --broadcast=none|rtmp|hls) has tables of its own.
    broadcast_rows = [r for r in rows if r.get("broadcast")]
    rows = [r for r in rows if not r.get("broadcast")]

    series = {}
    for r in rows:
        if r["target"] == "loopback":
            continue
        key = (label_of(r), "video" if r.get("video") else "audio")
        series.setdefault(key, []).append(r)
    for key in series:
        series[key].sort(key=lambda r: r["n"])

    lines = []
    lines.append(f"# Plenum benchmark results ({meta.get('stamp', '?')})\n")
    lines.append(f"Machine: {meta.get('cores', '?')} cores, {meta.get('cpu', '?')}; commit {meta.get('commit', '?')}. "
                 f"Server pinned to core {meta.get('serverCore')}, bots to core {meta.get('botCore')} (taskset-style "
                 f"affinity set by plenum-bench). Load average before/after: {meta.get('loadBefore', '?')} / "
                 f"{meta.get('loadAfter', '?')}{'; re-run rows (a second row for the same N, appended after the run) ended at load ' + meta['rerunLoad'] if meta.get('rerunLoad') else ''} (the machine is shared). Steady window {meta.get('duration', '?')} s per "
                 "room size after all joins and 3 s of warm-up; a fresh server per size. 'bot CPU' is the load "
                 "generator's own use of its core: at 90 % or more the bots, not the server, bound the latency and "
                 "rate figures of that row (marked bot-bound). Rows with [--option] ran plenum with that option. "
                 "*plenum webrtcbin* is `--media-engine=webrtcbin` (a webrtcbin per participant), *plenum native* "
                 "its own transport and the K=3 loudest decoded (`--media-engine=native` while the server had both) "
                 "with `--media-threads=1`, "
                 "*janus audiobridge* Janus 1.1's AudioBridge.\n")
    bins = {}
    for r in rows:
        if r["target"] == "plenum" and r.get("serverBin"):
            bins.setdefault(engine_of(r), set()).add(r["serverBin"])
    if len({b for v in bins.values() for b in v}) > 1:
        lines.append("Server binaries: " + "; ".join(f"{e} rows from `{', '.join(sorted(v))}`" for e, v in sorted(bins.items()))
                     + " (the commit above is the bench's tree; a separate webrtcbin build is of an older one).\n")
    share = meta.get("silentShare")
    talking = sorted({(r["n"], r.get("talking")) for r in rows if r.get("talking") is not None and r["target"] != "loopback"})
    partial = sorted({(r["n"], r["audioDecoders"]) for r in rows
                      if r.get("audioDecoders") is not None and r["audioDecoders"] < r["n"]})
    decoding = (" Bots that decode their audio (and time the marker, and whose joins are timed), where not all: " +
                ", ".join(f"{d} of {n}" for n, d in partial) + "; the others count packets." if partial else "")
    if share is None:
        lines.append("Who talks: not recorded (a run from before the all-talking mode: half of the bots other than the "
                     "marker sent silence, the marker only its bursts; no RFC 6464 levels).\n")
    else:
        lines.append("Who talks: " + ("everyone (`--silent-share=0`): every bot sends speech-like noise, the marker bot "
                                      "too (6 dB louder, its burst on top)" if share == 0 else
                                      f"the marker bot (6 dB louder, its burst on top) and all but a share {share} of the "
                                      "other bots send speech-like noise; the rest send digital silence") +
                     (f" ({', '.join(f'{t} of {n}' for n, t in talking[:12])}{'…' if len(talking) > 12 else ''} talking)"
                      if talking else "") +
                     ". Bots send RFC 6464 audio levels" +
                     (" (as browsers do)" if meta.get("audioLevels", True) else ": no (`--no-audio-levels`)") + "." +
                     decoding + "\n")
    if baseline:
        lines.append(f"Bot-to-bot loopback baseline (no server, subtracted from every latency below): audio p50 "
                     f"{fmt(base_audio)} ms, video p50 {fmt(base_video)} ms.\n")
    lines.append("| server | room | N | talking | server CPU % of a core | per participant | RSS MiB (idle) | audio pkt/s min–max "
                 "| composite fps min | delay growth ms | real time | added audio p50 / p95 ms | added video p50 / p95 ms | join p50 / p95 ms "
                 "| bot CPU % | cores busy % server / bots | longest run-queue wait % server / bots |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (target, kind), rs in sorted(series.items()):
        for r in rs:
            a = added(r, "audio")
            v = added(r, "video")
            status = "yes" if r.get("realtime") else ("no" if r.get("completed") else "failed: " + r.get("error", "?")[:80])
            lines.append(
                f"| {target} | {kind}{' (' + str(r.get('cameras')) + ' cams)' if kind == 'video' else ''} | {r['n']} "
                f"| {r.get('talking', '?')} | {fmt(r.get('cpuPct'))} | {fmt(r.get('cpuPctPerParticipant'), 2)} "
                f"| {fmt(r.get('rssMiB'), 0)} ({fmt(r.get('rssIdleMiB'), 0)}) "
                f"| {fmt(r.get('audioPpsMin'))}–{fmt(r.get('audioPpsMax'))} "
                f"| {fmt(r.get('videoFpsMin')) if kind == 'video' else '–'} | {fmt(r.get('latencyGrowthMs'), 0)} | {status} "
                f"| {fmt(pct(a, 50))} / {fmt(pct(a, 95))} | {fmt(pct(v, 50)) if kind == 'video' else '–'} / "
                f"{fmt(pct(v, 95)) if kind == 'video' else '–'} | {fmt(r.get('joinP50'), 0)} / {fmt(r.get('joinP95'), 0)} "
                f"| {fmt(r.get('botCpuPct'), 0)}{' (bot-bound)' if bot_bound(r) else ''} "
                f"| {fmt(r.get('serverCoreBusyPct'), 0)} / {fmt(r.get('botCoreBusyPct'), 0)} "
                f"| {fmt(r.get('serverThreadWaitPct'), 0)} / {fmt(r.get('botThreadWaitPct'), 0)} |")
    lines.append("")

    # The table: both plenum engines and Janus, per N, the series
    # without extra options.
    engines = [("plenum webrtcbin", "plenum webrtcbin"), ("plenum native", "plenum native"),
               ("janus audiobridge", "Janus AudioBridge")]
    by = {label: {r["n"]: r for r in series.get((label, "audio"), [])} for label, _ in engines}
    vby = {label: {r["n"]: r for r in series.get((label, "video"), [])} for label, _ in engines}
    if any(by.values()) or any(vby.values()):
        lines.append("## Plenum (both engines) and Janus AudioBridge, same run\n")
        lines.append("CPU is the server process's over the window, % of one core, divided by N; real time as above; "
                     "latencies are added (loopback baseline subtracted), p50 over every receiver's marker onsets; "
                     "join is `join` (Janus: `attach`) sent to the first decoded audio; memory is the server's RSS at "
                     "the end of the window minus its idle RSS, divided by N. *What limits it* is read off the "
                     "window: whether either core was saturated (the server's process, the bench process with all "
                     "bots, and each core's total busy time from /proc/stat, so other load shows; that one is sampled at "
                     "the kernel's tick and only roughly right at light load), how long the "
                     "most-delayed thread of the server and of the bench waited runnable for a CPU "
                     "(/proc/PID/task/TID/schedstat: a media thread that waits is late whatever its own CPU use), "
                     "and which real-time criterion failed.\n")
        lines.append("| server | room | N | talking | CPU % of a core per participant | real time | added audio p50 ms "
                     "| added video p50 ms | join → first audio p50 ms | RSS MiB per participant | what limits it |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for kind, table in (("audio", by), ("video", vby)):
            for n in sorted({n for t in table.values() for n in t}):
                for label, name in engines:
                    r = table[label].get(n)
                    if not r:
                        continue
                    status = "yes" if r.get("realtime") else ("no" if r.get("completed") else "failed")
                    room = kind + (f" ({r.get('cameras')} cams)" if kind == "video" else "")
                    lines.append(
                        f"| {name} | {room} | {n} | {r.get('talking', '?')} | {fmt(r.get('cpuPctPerParticipant'), 2)} "
                        f"| {status} | {fmt(pct(added(r, 'audio'), 50))} "
                        f"| {fmt(pct(added(r, 'video'), 50)) if kind == 'video' else '–'} | {fmt(r.get('joinP50'), 0)} "
                        f"| {fmt(rss_per_participant(r), 2)} | {limits(r)} |")
        lines.append("")

    lines.extend(broadcast_section(broadcast_rows))

    # Capacity and targets.
    def capacity(key):
        ok = [r["n"] for r in series.get(key, []) if r.get("realtime")]
        return max(ok) if ok else None

    lines.append("## Capacity (largest N that kept real time)\n")
    for key in sorted(series):
        lines.append(f"- {key[0]} {key[1]}: {capacity(key) or 'none of the sizes run'} "
                     f"(sizes run: {', '.join(str(r['n']) for r in series[key])})")
    lines.append("")

    # The targets, per engine, with Janus beside them.
    def mark(ok):
        return "✓" if ok else "✗"

    def bound(r):
        return " (bot-bound)" if r and bot_bound(r) else ""

    janus = by["janus audiobridge"]
    checks = []

    def cpu32(label):
        r = by[label].get(32)
        if not r or not r.get("completed"):
            return "not run" if not r else "failed"
        c = r.get("cpuPctPerParticipant", math.nan)
        if label.startswith("janus"):
            return f"{fmt(c, 2)} %"
        j = janus.get(32, {}).get("cpuPctPerParticipant")
        below = f", {'below' if j is not None and c < j else 'not below'} Janus" if j is not None else ", Janus not run"
        return f"{fmt(c, 2)} % {mark(c <= 0.5 and (j is None or c < j))}{below}{bound(r)}"
    checks.append(("audio N=32, everyone talking: ≤ 0.5 % of a core per participant, and below Janus", cpu32))

    def room100(label):
        r = by[label].get(100)
        if not r:
            return "not run"
        if not r.get("completed"):
            return f"failed ({r.get('joined', '?')} of 100 joined)"
        return (f"{'real time' if r.get('realtime') else 'not real time'} {mark(r.get('realtime'))}, "
                f"server {fmt(r.get('cpuPct'), 0)} % of its core{bound(r)}")
    checks.append(("one audio room of 100 on one core in real time", room100))

    def video32(label):
        if label.startswith("janus"):
            return "no video"
        r = vby[label].get(32)
        if not r:
            return "not run"
        if not r.get("completed"):
            return f"failed ({r.get('joined', '?')} of 32 joined)"
        return (f"{'real time' if r.get('realtime') else 'not real time'} {mark(r.get('realtime'))}, composite min "
                f"{fmt(r.get('videoFpsMin'))} fps, server {fmt(r.get('cpuPct'), 0)} %{bound(r)}")
    checks.append(("9 cameras, 32 receivers of the composite in real time (server on one core, bots on the other)", video32))

    def latency(label, kind, limit):
        table = vby[label] if kind == "video" else by[label]
        if kind == "video" and label.startswith("janus"):
            return "no video"
        vals = [(n, pct(added(r, kind), 50)) for n, r in sorted(table.items()) if r.get(kind + "LatencyMs")]
        if not vals:
            return "not measured"
        worst, best = max(v for _, v in vals), min(v for _, v in vals)
        span = fmt(worst) if len(vals) == 1 else f"{fmt(best)}–{fmt(worst)}"
        return (f"{span} ms at N={','.join(str(n) for n, _ in vals)}"
                f"{'' if label.startswith('janus') else ' ' + mark(worst <= limit)}")
    checks.append(("added audio latency p50 ≤ 60 ms", lambda label: latency(label, "audio", 60)))
    checks.append(("added video latency p50 ≤ 100 ms", lambda label: latency(label, "video", 100)))

    def join32(label):
        r = by[label].get(32)
        if not r or r.get("joinP50") is None:
            return "not measured"
        return (f"p50 {fmt(r['joinP50'], 0)} ms, p95 {fmt(r.get('joinP95'), 0)} ms"
                f"{'' if label.startswith('janus') else ' ' + mark(r['joinP50'] <= 300)}")
    checks.append(("join to first audio p50 ≤ 300 ms at N=32", join32))

    def memory(label):
        cells = [f"N={n}: {fmt(rss_per_participant(r), 2)}" for n, r in sorted(by[label].items()) if n in (32, 100)
                 and rss_per_participant(r) is not None]
        return (", ".join(cells) + " MiB") if cells else "not measured"
    checks.append(("memory per participant (RSS growth / N)", memory))

    if any(by.values()) or any(vby.values()):
        lines.append("## Targets (issue 10)\n")
        lines.append("| target | " + " | ".join(name for _, name in engines) + " |")
        lines.append("|---|" + "---|" * len(engines))
        for name, cell in checks:
            lines.append(f"| {name} | " + " | ".join(cell(label) for label, _ in engines) + " |")
        lines.append("")
        lines.append("What limits these figures: the server's CPU is its whole process (for the native engine its media "
                     "thread, the control thread and, in video rooms, the GStreamer video pipeline), so it is bounded "
                     "below by whatever else the server does once a second (statistics, RTCP). The bots run in one "
                     "process on one core (`--bot-core`): a webrtcbin each (its threads and their context switches "
                     "are most of a bot's cost, about 1 % of a core at N=16 on this kind of machine), frames encoded "
                     "once and replayed (only the marker encodes live), and at most `--audio-decoders` of them "
                     "decoding; where that core is saturated (*bot-bound*) the rates and latencies say more about "
                     "the bots than the server, and a room of 100 needs about a core of bots. "
                     "Latency is the marker bot's burst onset to its detection in another bot's decoded audio (10 ms "
                     "blocks), minus the same through a direct bot-to-bot connection; it includes each receiving "
                     "bot's jitter buffer beyond the loopback's. The native engine mixes only the 3 loudest: the "
                     "marker bot talks all the time, 6 dB above the others, so that it stays selected, and its "
                     "figure is a selected speaker's path, not the time to be promoted. Join time includes the bots' "
                     "own offer, ICE and DTLS, and bots join one after another, each once the previous one hears "
                     "audio.\n")
    lines.append("Plots: `cpu_per_participant.png` (server CPU per participant against N), `latency_audio.png` "
                 "(distribution of added audio latency), `latency_video.png`.\n")
    with open(os.path.join(out, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")

    # Plots.
    datadir = os.path.join(out, "data")
    os.makedirs(datadir, exist_ok=True)
    plots = []
    cpu_series = []
    for (target, kind), rs in sorted(series.items()):
        name = f"{target}-{kind}".replace(" ", "_").replace("[", "").replace("]", "").replace("=", "")
        path = os.path.join(datadir, f"cpu-{name}.dat")
        with open(path, "w") as f:
            for r in rs:
                if r.get("cpuPctPerParticipant") is not None:
                    f.write(f"{r['n']} {r['cpuPctPerParticipant']}\n")
        cpu_series.append(f"'{path}' using 1:2 with linespoints title '{target} {kind}'")
    if cpu_series:
        plots.append(f"""set terminal pngcairo size 900,560
set output '{os.path.join(out, 'cpu_per_participant.png')}'
set title 'Server CPU per participant ({meta.get('cores')} cores, {meta.get('cpu')})'
set xlabel 'participants in the room (N)'
set ylabel '% of one core per participant'
set logscale x 2
set grid
plot {', '.join(cpu_series)}
unset logscale x
""")
    for kind in ("audio", "video"):
        curves = []
        for (target, k), rs in sorted(series.items()):
            for r in rs:
                values = sorted(added(r, kind))
                if not values:
                    continue
                slug = target.replace(" ", "_").replace("[", "").replace("]", "").replace("=", "")
                path = os.path.join(datadir, f"lat-{kind}-{slug}-{k}-{r['n']}.dat")
                with open(path, "w") as f:
                    for i, v in enumerate(values):
                        f.write(f"{v} {(i + 1) / len(values)}\n")
                curves.append(f"'{path}' using 1:2 with lines title '{target} {k} N={r['n']}'")
        if curves:
            plots.append(f"""set terminal pngcairo size 900,560
set output '{os.path.join(out, f'latency_{kind}.png')}'
set title 'Added {kind} latency through the server (loopback baseline subtracted), CDF'
set xlabel 'ms'
set ylabel 'fraction of marked events'
set key bottom right
set grid
plot {', '.join(curves)}
""")
    if plots:
        try:
            subprocess.run(["gnuplot"], input="\n".join(plots), text=True, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"report.py: gnuplot failed: {e}", file=sys.stderr)


if __name__ == "__main__":
    main()
