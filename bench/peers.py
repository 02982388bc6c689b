#!/usr/bin/env python3
"""Benchmark thresher against the tools users would pick instead, side by side on one crawlgen corpus.

    python bench/peers.py --pages 10000 [--synthetic N] [--seed 1]
        [--tools thresher,datatrove,datasketch,rensa] [--workdir bench/runs] [--out results.json]

Generates the corpus with ../shared/bench/crawlgen.py (cached under WORKDIR by its arguments), then runs
each tool in turn, after waiting (up to --wait-idle s) for other processes to leave the cores:

* thresher from the current environment, through its CLI (``thresher run ... --workers N``);
* datatrove (its four-stage MinHash dedup, default ``MinhashConfig``, ``LocalPipelineExecutor`` with N
  workers), datasketch and rensa (page-level MinHash LSH over 5-word shingles, threshold 0.8, 128
  permutations, one process: neither has parallelism), each in a virtual environment of its own that
  the bench makes under WORKDIR (``venv-NAME``, reused when its pinned requirements match). Their
  drivers are in bench/peer_scripts/. The peers are never dependencies of thresher.

For each tool it measures the wall time of the whole command, CPU time and the peak RSS of its process
tree (every process of the tool's session, summed, sampled every 0.2 s from /proc), notes how busy the
rest of the machine was meanwhile (a warning in the table when it was), and scores the
output with ../shared/bench/score.py: duplicate-pair F1, precision, recall, recall per kind and false
merges for all; own-content F1 for thresher only, since the peers keep whole pages.

Writes the results as JSON (``--out``) and Markdown beside it, and prints the Markdown table. A tool
that cannot be installed or fails to run is reported as failed, with the reason; the others still run.
Linux only (/proc).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = REPO.parent / "shared"
PEER_SCRIPTS = BENCH / "peer_scripts"
ALL_TOOLS = ("thresher", "datatrove", "datasketch", "rensa")
SAMPLE_SECONDS = 0.2


# --------------------------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Tool:
    """How one tool is installed, run and described."""

    name: str
    requirements: tuple[str, ...]  # pip requirements of its own venv; empty: the current environment
    method: str  # what it does, for the table
    parallel: bool  # whether it uses the --workers processes


TOOLS = {
    "thresher": Tool(
        name="thresher",
        requirements=(),
        method="own content, then block-aware near-duplicate clusters (default settings)",
        parallel=True,
    ),
    "datatrove": Tool(
        name="datatrove",
        # datatrove's MinHash needs beyond the base package: regex, tokenizers, xxhash, orjson and spaCy
        # (its English word tokenizer). Pinned to versions that ran here.
        requirements=(
            "datatrove==0.10.1",
            "regex==2026.11.15",
            "tokenizers==0.23.3",
            "xxhash==3.8.2",
            "orjson==3.13.0",
            "spacy==3.8.18",
        ),
        method="MinHash dedup, 4 stages, default MinhashConfig (5-grams, 14 buckets x 8 hashes)",
        parallel=True,
    ),
    "datasketch": Tool(
        name="datasketch",
        requirements=("datasketch==2.0.0",),
        method="MinHash(num_perm=128) + MinHashLSH(threshold=0.8), 5-word shingles",
        parallel=False,
    ),
    "rensa": Tool(
        name="rensa",
        requirements=("rensa==0.5.0",),
        method="RMinHash(num_perm=128) + RMinHashLSH(0.8, 16 bands) + Jaccard check, 5-word shingles",
        parallel=False,
    ),
}


class SetupError(RuntimeError):
    """A tool could not be installed or found; the message says why."""


class RunError(RuntimeError):
    """A tool ran but did not finish with usable output; the message says why."""


def tail(path: Path, lines: int = 15) -> str:
    """The last LINES lines of a text file, or '' when it does not exist."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def ensure_venv(tool: Tool, workdir: Path, reinstall: bool) -> Path:
    """The python of TOOL's own virtual environment, made (or updated) with its pinned requirements."""
    venv = workdir / f"venv-{tool.name}"
    python = venv / "bin" / "python"
    marker = venv / ".bench-requirements"
    wanted = "\n".join(tool.requirements) + "\n"
    if reinstall and venv.exists():
        shutil.rmtree(venv)
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    log = workdir / f"venv-{tool.name}.install.log"
    with log.open("w") as out:
        steps = []
        if not python.exists():
            steps.append([sys.executable, "-m", "venv", str(venv)])
        steps.append([str(python), "-m", "pip", "install", "--disable-pip-version-check", *tool.requirements])
        for cmd in steps:
            out.write(f"$ {shlex.join(cmd)}\n")
            out.flush()
            if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode != 0:
                raise SetupError(f"`{shlex.join(cmd)}` failed (log: {log}):\n{tail(log)}")
    marker.write_text(wanted)
    return python


def thresher_command() -> list[str]:
    """The thresher CLI of the current environment."""
    beside = Path(sys.executable).parent / "thresher"
    found = str(beside) if beside.exists() else shutil.which("thresher")
    if not found:
        raise SetupError("no `thresher` command in the current environment (pip install -e .)")
    return [found]


def thresher_version() -> str:
    """thresher's version with the commit of the checkout, marked dirty when src/ has changes."""
    try:
        ver = version("thresher")
    except PackageNotFoundError:
        ver = "?"
    git = ["git", "-C", str(REPO)]
    rev = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    if rev.returncode != 0:
        return ver
    dirty = subprocess.run([*git, "status", "--porcelain", "src"], capture_output=True, text=True, check=False)
    return f"{ver} ({rev.stdout.strip()}{'+dirty' if dirty.stdout.strip() else ''})"


# -------------------------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Corpus:
    """A generated crawl and the figures the rates are computed from."""

    path: Path
    args: list[str]
    pages: int
    text_bytes: int
    file_bytes: int
    kinds: dict[str, int]

    @property
    def docs(self) -> Path:
        """The pages the tools read."""
        return self.path / "docs.jsonl"


def file_digest(path: Path) -> str:
    """Short sha256 of a file, to notice when the generator or its input changed under a cached corpus."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def ensure_corpus(args: argparse.Namespace, workdir: Path) -> Corpus:
    """Generate the corpus for ARGS under WORKDIR, or reuse the one made before with the same inputs."""
    gen_args = ["--pages", str(args.pages), "--seed", str(args.seed)]
    key = f"corpus-p{args.pages}-seed{args.seed}"
    for flag, value, tag in (("--synthetic", args.synthetic, "syn"), ("--sites", args.sites, "sites"),
                             ("--dup-rate", args.dup_rate, "dup")):
        if value is not None:
            gen_args += [flag, str(value)]
            key += f"-{tag}{value}"
    path = workdir / key
    meta = {"args": gen_args, "crawlgen": file_digest(args.crawlgen), "articles": file_digest(args.articles)}
    meta_path = path / "corpus.json"
    fresh = not (meta_path.exists() and json.loads(meta_path.read_text()).get("meta") == meta)
    if fresh:
        tmp = workdir / f"{key}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = [sys.executable, str(args.crawlgen), "--articles", str(args.articles), "--out", str(tmp), *gen_args]
        print(f"generating corpus: {shlex.join(cmd)}", file=sys.stderr)
        if subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False).returncode != 0:
            raise SystemExit(f"crawlgen failed: {shlex.join(cmd)}")
        pages = text_bytes = 0
        with (tmp / "docs.jsonl").open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    pages += 1
                    text_bytes += len((json.loads(line).get("text") or "").encode("utf-8"))
        with (tmp / "truth.jsonl").open(encoding="utf-8") as f:
            kinds = Counter(json.loads(line)["kind"] for line in f if line.strip())
        stats = {"pages": pages, "text_bytes": text_bytes, "kinds": dict(sorted(kinds.items()))}
        (tmp / "corpus.json").write_text(json.dumps({"meta": meta, "stats": stats}, indent=1))
        shutil.rmtree(path, ignore_errors=True)
        tmp.rename(path)
    stats = json.loads(meta_path.read_text())["stats"]
    return Corpus(
        path=path,
        args=gen_args,
        pages=stats["pages"],
        text_bytes=stats["text_bytes"],
        file_bytes=(path / "docs.jsonl").stat().st_size,
        kinds=stats["kinds"],
    )


# ------------------------------------------------------------------------------------------- measure


@dataclass
class Measurement:
    """What one timed command cost."""

    returncode: int | None = None
    timed_out: bool = False
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_bytes: int = 0  # sum over the processes of the tree, at the sampled peak
    max_process_rss_bytes: int = 0  # the largest single process (kernel's high-water mark, not sampled)
    max_processes: int = 0
    other_cpu_s: float = 0.0  # CPU time the rest of the machine used meanwhile (a busy machine skews timings)


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def session_processes(sid: int) -> dict[int, tuple[int, int]]:
    """Every live process of session SID: pid -> (RSS bytes, CPU clock ticks so far)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()  # after "pid (comm) ": state ppid pgrp session ...
        if int(fields[3]) != sid:
            continue
        utime, stime, rss_pages = int(fields[11]), int(fields[12]), int(fields[21])
        found[int(entry.name)] = (rss_pages * PAGE_SIZE, utime + stime)
    return found


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def wait_for_idle(max_wait: float, busy_cores: float = 0.25, quiet_seconds: int = 3) -> float:
    """Wait (at most MAX_WAIT s) until the machine has used less than BUSY_CORES cores for QUIET_SECONDS
    seconds in a row; return the last load seen (cores)."""
    deadline = time.monotonic() + max_wait
    quiet = 0
    while True:
        before = machine_busy_seconds()
        time.sleep(1.0)
        load = machine_busy_seconds() - before
        quiet = quiet + 1 if load < busy_cores else 0
        if quiet >= quiet_seconds or time.monotonic() >= deadline:
            return load


def become_subreaper() -> bool:
    """Adopt the orphans of the tools' process trees (Linux prctl PR_SET_CHILD_SUBREAPER).

    A forkserver outlives the driver that started it and would be re-parented to init, taking the CPU
    time of the workers it reaped with it; as a subreaper the bench reaps it and gets that time.
    """
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap() -> list[tuple[int, int, resource.struct_rusage]]:
    """Every child of this process that has exited: (pid, wait status, its resource usage and its tree's)."""
    done = []
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        done.append((pid, status, usage))


def measure(cmd: list[str], log: Path, timeout: float, cwd: Path | None = None) -> Measurement:
    """Run CMD in a session of its own, output to LOG; sample its process tree until it exits.

    The tree is every process of the new session, so workers that a forkserver or a pool starts (and
    that are re-parented when their parent exits) are counted too. Wall time ends when CMD exits; what
    its session leaves behind is then killed. CPU time and the largest single process come from the
    kernel's accounts of the reaped processes (this process is a subreaper, so orphans are reaped here
    too), or from the samples where those saw more.
    """
    m = Measurement()
    cpu_ticks: dict[int, int] = {}
    cpu_reaped = 0.0
    with log.open("w") as out:
        out.write(f"$ {shlex.join(cmd)}\n")
        out.flush()
        start = time.perf_counter()
        busy0, own0 = machine_busy_seconds(), time.process_time()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
        busy_end, cleanup_until = 0.0, float("inf")
        try:
            while proc.returncode is None or (session_processes(proc.pid) and time.perf_counter() < cleanup_until):
                for pid, status, usage in reap():
                    cpu_reaped += usage.ru_utime + usage.ru_stime
                    m.max_process_rss_bytes = max(m.max_process_rss_bytes, usage.ru_maxrss * 1024)
                    if pid == proc.pid:
                        m.wall_s = time.perf_counter() - start
                        busy_end = machine_busy_seconds()
                        proc.returncode = m.returncode = os.waitstatus_to_exitcode(status)
                        cleanup_until = time.perf_counter() + 10
                if proc.returncode is not None:  # the command is done: end what it left running
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    time.sleep(0.05)
                    continue
                tree = session_processes(proc.pid)
                m.peak_rss_bytes = max(m.peak_rss_bytes, sum(rss for rss, _ in tree.values()))
                m.max_processes = max(m.max_processes, len(tree))
                for p, (_, ticks) in tree.items():
                    cpu_ticks[p] = max(cpu_ticks.get(p, 0), ticks)
                if time.perf_counter() - start > timeout:
                    m.timed_out = True
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                time.sleep(SAMPLE_SECONDS)
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            reap()
    m.cpu_s = max(sum(cpu_ticks.values()) / CLOCK_TICKS, cpu_reaped)
    own = time.process_time() - own0  # this sampler's share
    m.other_cpu_s = max(0.0, busy_end - busy0 - m.cpu_s - own)
    m.peak_rss_bytes = max(m.peak_rss_bytes, m.max_process_rss_bytes)
    return m


# --------------------------------------------------------------------------------------------- score


def score(corpus: Corpus, predictions: Path, score_py: Path) -> dict:
    """score.py's verdict on PREDICTIONS."""
    res = subprocess.run(
        [sys.executable, str(score_py), str(corpus.path), str(predictions)], capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise RunError(f"score.py failed: {res.stderr.strip()[-2000:]}")
    return json.loads(res.stdout)


def cluster_counts(predictions: Path) -> dict[str, int]:
    """Clusters of two or more pages in PREDICTIONS, and the pages a tool drops by keeping one of each."""
    if predictions.suffix == ".parquet":
        import pyarrow.parquet as pq

        clusters = pq.read_table(predictions, columns=["cluster"]).column("cluster").to_pylist()
    else:
        with predictions.open(encoding="utf-8") as f:
            clusters = [json.loads(line).get("cluster") for line in f if line.strip()]
    sizes = Counter(c for c in clusters if c is not None)
    multi = [n for n in sizes.values() if n > 1]
    return {"clusters": len(multi), "duplicates_removed": sum(n - 1 for n in multi)}


# ----------------------------------------------------------------------------------------------- run


@dataclass
class Result:
    """One tool's row."""

    tool: str
    status: str  # ok | failed
    version: str = ""
    method: str = ""
    processes: int = 1  # asked for
    parallel: bool = False  # whether the tool can use more than one process at all
    command: str = ""
    reason: str = ""
    wall_s: float | None = None
    cpu_s: float | None = None
    cpu_per_wall: float | None = None
    pages_per_s: float | None = None
    mb_per_s: float | None = None
    peak_rss_mib: float | None = None
    max_process_rss_mib: float | None = None
    max_processes: int | None = None
    other_cores: float | None = None  # mean cores other processes of the machine kept busy during the run
    clusters: int | None = None
    duplicates_removed: int | None = None
    dup: dict = field(default_factory=dict)
    content: dict | None = None
    tool_stats: dict = field(default_factory=dict)
    log: str = ""


@dataclass(frozen=True)
class Invocation:
    """The commands of one tool on one corpus and where its output lands."""

    cmd: list[str]  # timed
    predictions: Path  # id, cluster, text per page, for score.py
    stats: Path  # the tool's own report (versions, seconds per stage)
    post: list[str] | None = None  # untimed: turns the tool's output into predictions


def invocation(tool: Tool, corpus: Corpus, args: argparse.Namespace, workdir: Path, out_dir: Path) -> Invocation:
    """The commands that run TOOL on CORPUS into OUT_DIR, installing its environment first if needed."""
    if tool.name == "thresher":
        out = out_dir / "out"
        cmd = [*thresher_command(), "run", str(corpus.docs), "-o", str(out),
               "--workers", str(args.workers), "--no-progress", "--quiet", *shlex.split(args.thresher_args)]
        return Invocation(cmd, out / "pages.parquet", out / "summary.json")
    print(f"[{tool.name}] preparing its venv ...", file=sys.stderr)
    python = str(ensure_venv(tool, workdir, args.reinstall))
    predictions = out_dir / "predictions.jsonl"
    if tool.name == "datatrove":
        script, work = str(PEER_SCRIPTS / "datatrove_minhash.py"), out_dir / "work"
        cmd = [python, script, "run", str(corpus.docs), str(work),
               "--tasks", str(args.workers), "--workers", str(args.workers)]
        post = [python, script, "export", str(work), str(predictions)]
        return Invocation(cmd, predictions, work / "stats.json", post)
    stats = out_dir / "stats.json"
    cmd = [python, str(PEER_SCRIPTS / "minhash_lsh.py"), tool.name, str(corpus.docs), str(predictions), str(stats)]
    return Invocation(cmd, predictions, stats)


def run_tool(tool: Tool, corpus: Corpus, args: argparse.Namespace, workdir: Path) -> Result:
    """Install (if needed), run, time and score one tool; a failure becomes a failed Result with its reason."""
    res = Result(tool=tool.name, status="failed", method=tool.method)
    res.processes, res.parallel = (args.workers if tool.parallel else 1), tool.parallel
    out_dir = workdir / corpus.path.name / tool.name
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    res.log = str(out_dir / "run.log")
    try:
        if tool.name == "thresher":
            res.version = thresher_version()
        inv = invocation(tool, corpus, args, workdir, out_dir)
        res.command = shlex.join(inv.cmd)
        run_and_score(tool, inv, corpus=corpus, args=args, out_dir=out_dir, res=res)
    except SetupError as exc:
        res.reason = f"setup: {exc}"
    except RunError as exc:
        res.reason = str(exc)
    else:
        res.status = "ok"
    return res


def run_and_score(
    tool: Tool, inv: Invocation, *, corpus: Corpus, args: argparse.Namespace, out_dir: Path, res: Result
) -> None:
    """Run INV timed, then fill RES with its costs and score.py's verdict; raise RunError on failure."""
    log = out_dir / "run.log"
    if args.wait_idle > 0:
        load = wait_for_idle(args.wait_idle)
        if load >= 0.25:
            print(f"[{tool.name}] machine still busy ({load:.2f} cores), running anyway", file=sys.stderr)
    print(f"[{tool.name}] running on {corpus.pages} pages ...", file=sys.stderr)
    m = measure(inv.cmd, log, args.timeout)
    if m.timed_out:
        raise RunError(f"timed out after {args.timeout:.0f} s (log: {log})")
    if m.returncode != 0:
        last = tail(log, 1).strip()
        raise RunError(f"exit code {m.returncode}: {last} (log: {log})\n{tail(log)}")
    if inv.post:
        post_log = out_dir / "export.log"
        with post_log.open("w") as out:
            if subprocess.run(inv.post, stdout=out, stderr=subprocess.STDOUT, check=False).returncode != 0:
                raise RunError(f"export failed (log: {post_log}):\n{tail(post_log)}")
    if not inv.predictions.exists():
        raise RunError(f"no output at {inv.predictions} (log: {log})")

    mib = 1024 * 1024
    res.wall_s = round(m.wall_s, 2)
    res.cpu_s = round(m.cpu_s, 2)
    res.cpu_per_wall = round(m.cpu_s / m.wall_s, 2)
    res.pages_per_s = round(corpus.pages / m.wall_s, 1)
    res.mb_per_s = round(corpus.text_bytes / 1e6 / m.wall_s, 2)
    res.peak_rss_mib = round(m.peak_rss_bytes / mib, 1)
    res.max_process_rss_mib = round(m.max_process_rss_bytes / mib, 1)
    res.max_processes = m.max_processes
    res.other_cores = round(m.other_cpu_s / m.wall_s, 2)
    if inv.stats.exists():
        stats = json.loads(inv.stats.read_text())
        if tool.name == "thresher":
            keep = ("seconds", "pages_per_second", "stage_seconds", "version")
            stats = {k: stats[k] for k in keep if k in stats}
        else:
            res.version = str(stats.get("version", ""))
        res.tool_stats = stats
    counts = cluster_counts(inv.predictions)
    res.clusters, res.duplicates_removed = counts["clusters"], counts["duplicates_removed"]
    verdict = score(corpus, inv.predictions, args.score)
    d = verdict["dup"]
    res.dup = {k: d[k] for k in ("f1", "precision", "recall", "recall_by_kind", "false_merge_clusters")}
    res.dup["missing_pages"] = verdict["missing"]
    if tool.name == "thresher":
        c = verdict["content"]
        res.content = {k: c[k] for k in ("f1", "precision", "recall", "exact")}


# ---------------------------------------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 3) -> str:
    """A number for the table, '–' when missing."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def markdown(report: dict) -> str:
    """The results as Markdown, ready for BENCHMARKS.md."""
    corpus, results = report["corpus"], report["results"]
    kinds = sorted({k for r in results for k in r["dup"].get("recall_by_kind", {})})
    head = ["tool", "version", "processes asked / seen", "wall s", "pages/s", "MB/s", "CPU s", "peak RSS MiB",
            "dup F1", "P", "R", *[f"R {k}" for k in kinds], "false merges", "content F1"]
    rows = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in results:
        if r["status"] != "ok":
            reason = (r["reason"].splitlines()[0] if r["reason"] else "failed").replace("|", "\\|")
            cells = [r["tool"], r["version"] or "–", str(r["processes"]), f"**failed**: {reason}"]
            cells += [""] * (len(head) - len(cells))
        else:
            d = r["dup"]
            procs = f"{r['processes']} / {r['max_processes']}" + ("" if r["parallel"] else " (no parallelism)")
            cells = [r["tool"], r["version"], procs, fmt(r["wall_s"], 1), fmt(r["pages_per_s"], 0),
                     fmt(r["mb_per_s"], 2), fmt(r["cpu_s"], 1), fmt(r["peak_rss_mib"], 0),
                     fmt(d["f1"]), fmt(d["precision"]), fmt(d["recall"]),
                     *[fmt(d["recall_by_kind"].get(k)) for k in kinds], str(d["false_merge_clusters"]),
                     fmt(r["content"]["f1"]) if r["content"] else "n/a (whole pages)"]
        rows.append("| " + " | ".join(cells) + " |")
    m = report["machine"]
    lines = [
        f"Corpus: crawlgen `{' '.join(corpus['args'])}`: {corpus['pages']} pages, "
        f"{corpus['text_bytes'] / 1e6:.1f} MB of text; kinds {corpus['kinds']}.",
        f"Machine: {m['cpus']} cores ({m['cpu_model']}), {m['memory_gib']} GiB, Python {m['python']}; "
        "tools run one after another.",
        "",
        *rows,
        "",
        f"Command: `{report['command']}`",
        "",
        "* wall s: the whole command, start-up and output included; pages/s and MB/s (page text, UTF-8) "
        "follow from it. CPU s: user + system time of all its processes.",
        "* peak RSS: sum over every process of the tool's session, sampled every "
        f"{SAMPLE_SECONDS} s (shared pages are counted once per process).",
        "* dup F1 / P / R over pairs of pages carrying the same article; R KIND: share of pages of that kind "
        "grouped with their original; false merges: predicted clusters holding more than one article "
        "(all from score.py).",
        "* processes: asked for (--workers) / most processes of the tool alive at one sample (drivers, "
        "forkservers and helpers included).",
        "* content F1: own-content lines, thresher only: the peers keep or drop whole pages.",
        *[f"* {r['tool']}: {r['method']}" for r in results],
        "* datasketch and rensa have no parallelism: one process. Both see the same 5-word shingles "
        "(lower-cased, built in Python); datasketch takes what its LSH query returns as is, rensa checks the "
        "estimated Jaccard >= 0.8 of each candidate, as their READMEs do. Clusters: connected components.",
        "* datatrove: default MinhashConfig, signatures and filter with "
        f"{report['workers']} tasks x {report['workers']} workers, buckets with one task per bucket, "
        "cluster ids from its cluster stage (save_cluster_id).",
    ]
    busy = [r for r in results if (r["other_cores"] or 0) > 0.1]
    if busy:
        lines += ["", "Warning: the machine was not idle, these timings are skewed:"]
        lines += [f"* during {r['tool']}, other processes kept {r['other_cores']} cores busy on average" for r in busy]
    failed = [r for r in results if r["status"] != "ok"]
    if failed:
        lines += ["", "Failed (details in the JSON and the logs):"]
        lines += [f"* {r['tool']}: {r['reason'].splitlines()[0]}" for r in failed]
    return "\n".join(lines) + "\n"


def machine() -> dict:
    """The machine the numbers were taken on."""
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(mem, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=10000, help="crawlgen --pages (default 10000)")
    ap.add_argument("--synthetic", type=int, default=None, help="crawlgen --synthetic")
    ap.add_argument("--seed", type=int, default=1, help="crawlgen --seed (default 1)")
    ap.add_argument("--sites", type=int, default=None, help="crawlgen --sites")
    ap.add_argument("--dup-rate", type=float, default=None, help="crawlgen --dup-rate")
    ap.add_argument("--tools", default=",".join(ALL_TOOLS), help=f"comma-separated, from {','.join(ALL_TOOLS)}")
    ap.add_argument("--workdir", type=Path, default=BENCH / "runs", help="corpora, venvs, outputs (bench/runs)")
    ap.add_argument("--out", type=Path, default=None, help="results JSON (default WORKDIR/peers-CORPUS.json)")
    ap.add_argument("--workers", type=int, default=2, help="processes for the tools that have them (default 2)")
    ap.add_argument("--thresher-args", default="",
                    help="extra arguments for `thresher run`, as --thresher-args='--shard-pages 5000'")
    ap.add_argument("--wait-idle", type=float, default=60,
                    help="before each tool wait up to this many seconds for other processes to leave the cores (60)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per tool before it counts as failed")
    ap.add_argument("--reinstall", action="store_true", help="rebuild the peers' virtual environments")
    ap.add_argument("--articles", type=Path, default=SHARED / "data" / "articles.jsonl")
    ap.add_argument("--crawlgen", type=Path, default=SHARED / "bench" / "crawlgen.py")
    ap.add_argument("--score", type=Path, default=SHARED / "bench" / "score.py")
    args = ap.parse_args(argv)
    args.tool_list = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in args.tool_list if t not in TOOLS]
    if unknown:
        ap.error(f"unknown tools {unknown}; choose from {','.join(ALL_TOOLS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate the corpus, run every tool, write and print the results."""
    args = parse_args(argv)
    command = shlex.join(["python", "bench/peers.py", *(sys.argv[1:] if argv is None else argv)])
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so a running tool's session is ended too
    if not become_subreaper():
        print("warning: cannot adopt orphaned processes; CPU time may miss some workers", file=sys.stderr)
    corpus = ensure_corpus(args, workdir)
    results = []
    for name in args.tool_list:
        res = run_tool(TOOLS[name], corpus, args, workdir)
        summary = f"{res.wall_s} s, dup F1 {res.dup.get('f1')}" if res.status == "ok" else res.reason
        print(f"[{name}] {res.status}: {summary}", file=sys.stderr)
        results.append(asdict(res))
    report = {
        "command": command,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "workers": args.workers,
        "corpus": {"path": str(corpus.path), "args": corpus.args, "pages": corpus.pages,
                   "text_bytes": corpus.text_bytes, "file_bytes": corpus.file_bytes, "kinds": corpus.kinds},
        "results": results,
    }
    out = args.out or workdir / f"peers-{corpus.path.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    table = markdown(report)
    out.with_suffix(".md").write_text(table)
    print(table)
    print(f"results: {out} and {out.with_suffix('.md')}", file=sys.stderr)
    return 0 if all(r["status"] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
