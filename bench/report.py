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
        target = r["target"] + (f" [{r['serverArgs']}]" if r.get("serverArgs") else "")
        key = (target, "video" if r.get("video") else "audio")
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
                 "rate figures of that row (marked bot-bound). Rows with [--option] ran plenum with that option.\n")
    if baseline:
        lines.append(f"Bot-to-bot loopback baseline (no server, subtracted from every latency below): audio p50 "
                     f"{fmt(base_audio)} ms, video p50 {fmt(base_video)} ms.\n")
    lines.append("| server | room | N | server CPU % of a core | per participant | RSS MiB (idle) | audio pkt/s min–max "
                 "| composite fps min | delay growth ms | real time | added audio p50 / p95 ms | added video p50 / p95 ms | join p50 / p95 ms "
                 "| bot CPU % |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (target, kind), rs in sorted(series.items()):
        for r in rs:
            a = added(r, "audio")
            v = added(r, "video")
            status = "yes" if r.get("realtime") else ("no" if r.get("completed") else "failed: " + r.get("error", "?")[:80])
            lines.append(
                f"| {target} | {kind}{' (' + str(r.get('cameras')) + ' cams)' if kind == 'video' else ''} | {r['n']} "
                f"| {fmt(r.get('cpuPct'))} | {fmt(r.get('cpuPctPerParticipant'), 2)} "
                f"| {fmt(r.get('rssMiB'), 0)} ({fmt(r.get('rssIdleMiB'), 0)}) "
                f"| {fmt(r.get('audioPpsMin'))}–{fmt(r.get('audioPpsMax'))} "
                f"| {fmt(r.get('videoFpsMin')) if kind == 'video' else '–'} | {fmt(r.get('latencyGrowthMs'), 0)} | {status} "
                f"| {fmt(pct(a, 50))} / {fmt(pct(a, 95))} | {fmt(pct(v, 50)) if kind == 'video' else '–'} / "
                f"{fmt(pct(v, 95)) if kind == 'video' else '–'} | {fmt(r.get('joinP50'), 0)} / {fmt(r.get('joinP95'), 0)} "
                f"| {fmt(r.get('botCpuPct'), 0)}{' (bot-bound)' if (r.get('botCpuPct') or 0) >= 90 else ''} |")
    lines.append("")

    # Side by side with Janus.
    plen = {r["n"]: r for r in series.get(("plenum", "audio"), [])}
    jan = {r["n"]: r for r in series.get(("janus", "audio"), [])}
    common = sorted(set(plen) & set(jan))
    if common:
        lines.append("## Plenum / Janus AudioBridge, audio-only, same N, same run\n")
        lines.append("| N | CPU per participant plenum / janus (%) | ratio | added audio p50 plenum / janus (ms) | ratio |")
        lines.append("|---|---|---|---|---|")
        for n in common:
            cp, cj = plen[n].get("cpuPctPerParticipant"), jan[n].get("cpuPctPerParticipant")
            lp, lj = pct(added(plen[n], "audio"), 50), pct(added(jan[n], "audio"), 50)
            ratio = (cp / cj) if cp and cj else math.nan
            lratio = (lp / lj) if lj and not math.isnan(lp) and lj > 0 else math.nan
            lines.append(f"| {n} | {fmt(cp, 2)} / {fmt(cj, 2)} | {fmt(ratio, 1)}× | {fmt(lp)} / {fmt(lj)} | {fmt(lratio, 2)}× |")
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

    lines.append("## Targets\n")
    lines.append("| target | measured | met |")
    lines.append("|---|---|---|")
    def target_row(name, value, ok):
        lines.append(f"| {name} | {value} | {'yes' if ok else 'no'} |")
    p32 = plen.get(32)
    if p32:
        c = p32.get("cpuPctPerParticipant", math.nan)
        target_row("audio-only ≤ 0.5 % of a core per participant at N=32", f"{fmt(c, 2)} %", c <= 0.5)
    if common:
        worse = [n for n in common if plen[n].get("cpuPctPerParticipant", 1e9) >= jan[n].get("cpuPctPerParticipant", 0)]
        target_row("audio-only CPU below Janus AudioBridge's, same N",
                   "not below (or plenum failed) at N=" + ",".join(map(str, worse)) if worse else "below at every N", not worse)
    vid = series.get(("plenum", "video"), [])
    vcap = capacity(("plenum", "video"))
    target_row("9-camera 640x360@30 room keeps real time with ≥ 32 receivers",
               f"largest real-time N: {vcap}" if vcap else "no size kept real time", bool(vcap and vcap >= 32))
    all_audio = [r for r in series.get(("plenum", "audio"), []) if r.get("completed")]
    if all_audio:
        worst = max(pct(added(r, "audio"), 50) for r in all_audio)
        best = min(pct(added(r, "audio"), 50) for r in all_audio)
        target_row("added audio latency p50 ≤ 60 ms", f"{fmt(best)}–{fmt(worst)} ms over the sizes", worst <= 60)
    if vid:
        vals = [pct(added(r, "video"), 50) for r in vid if r.get("videoLatencyMs")]
        if vals:
            target_row("added video latency p50 ≤ 100 ms", f"{fmt(min(vals))}–{fmt(max(vals))} ms", max(vals) <= 100)
    joins = [j for r in all_audio for j in r.get("joinMs", [])]
    if joins:
        target_row("join time p50 ≤ 300 ms (join sent → first decoded audio)", f"p50 {fmt(pct(joins, 50), 0)} ms, "
                   f"p95 {fmt(pct(joins, 95), 0)} ms over all audio joins", pct(joins, 50) <= 300)
    lines.append("")
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
