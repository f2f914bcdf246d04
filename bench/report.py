"""Run the benchmarks and write their key figures as a table into README.md.

Usage::

    .venv/bin/python bench/report.py [--chats 60] [--dry-run]

Runs bench/summarize.py, bench/digest.py, bench/prefetch.py, bench/answers.py,
bench/retrieval.py, bench/relevance.py, bench/claims.py, bench/html_pages.py, bench/page.py and
bench/recap.py in their own processes (their stdout is parsed), and bench/cost.py and bench/memory.py through their functions;
the table goes between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` in README.md (added
under a "Benchmarks" heading at the end when absent). The entry point is ``report()``, not ``main()``,
so that bench/run_all.py does not run it (it would rerun every benchmark and rewrite the README).
"""

# ruff: noqa: E402 (the paths must be set before bot and the test helpers are imported)
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]

import argparse
import asyncio
import os
import platform
import re
import subprocess
from collections.abc import Callable
from datetime import date

import cost
import memory

BENCH = Path(__file__).resolve().parent
README = _ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
NUM = r"([\d.]+)"
Row = list[str]


def run_script(name: str, *args: str, timeout: float = 900) -> str:
    """A benchmark's stdout (stderr dropped); raises on a non-zero exit."""
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench/{name}.py exited {done.returncode}:\n{done.stderr[-2000:]}")
    return done.stdout


def find(pattern: str, text: str) -> re.Match[str] | None:
    """The first multiline match of ``pattern``."""
    return re.search(pattern, text, re.MULTILINE)


def summarize_rows(out: str) -> list[Row]:
    """Cache-hit p50/p99 and the cold split of the HTML paper and the first fixture PDF."""
    rows = []
    for path, label in (
        ("papers.meta \\+ papers.summary", "service"),
        ("CoreCommands.summarize via Core.handle", "whole handler"),
    ):
        m = find(rf"^{path}\s+{NUM}\s+{NUM}\s+{NUM}", out)
        if m:
            met = "met" if float(m[2]) < 5.0 else "**not met**"
            rows.append(
                [
                    f"/summarize cache hit, {label} (1,000 requests)",
                    f"p50 {m[1]} ms, p99 {m[2]} ms",
                    "p99 < 5 ms",
                    met,
                ]
            )
    cols = r"\s+".join([NUM] * 6)
    for m in re.finditer(
        rf"^(\S.*?\((?:HTML|PDF)\))\s+(?:html|pdf)\s+\S+\s+\d+\s+\w+\s+{cols}$", out, re.MULTILINE
    ):
        if m[1].startswith("talklora") or "v" in m[1].split()[0]:
            rows.append(
                [
                    f"cold /summarize, {m[1]} (ms)",
                    f"meta {m[2]} · download {m[3]} · extract {m[4]} · LLM {m[5]} · "
                    f"other {m[6]} · total {m[7]}",
                    "LLM = fake 500 ms call",
                    "split as measured",
                ]
            )
            if len(rows) >= 4:
                break
    return rows


def digest_rows(out: str, chats: int) -> list[Row]:
    """Fan-out against messages/30 s, its 1,000-chat extrapolation, and wall vs N·L/C."""
    rows = []
    wall, bound = find(rf"^wall time of the tick \(s\)\s+{NUM}", out), None
    bound = find(rf"^Telegram bound: messages / 30 \(s\)\s+{NUM}", out)
    ratio = find(rf"^ratio wall / bound\s+{NUM}", out)
    msgs = find(r"^messages sent \(sendMessage \+ sendPhoto\)\s+(\d+)", out)
    if wall and bound and ratio and msgs:
        rows.append(
            [
                f"digest fan-out to {chats} Telegram chats ({msgs[1]} messages)",
                f"{wall[1]} s",
                f"messages / 30 per s = {bound[1]} s",
                f"wall / bound {ratio[1]}",
            ]
        )
    per = find(rf"^messages per digest \(papers \+ 1 = (\d+) goal\)\s+{NUM}: (met|NOT met)", out)
    if per:
        rows.append(
            [
                f"messages per digest of {int(per[1]) - 1} papers (one Telegram chat)",
                per[2],
                f"papers + 1 = {per[1]}",
                "met" if per[3] == "met" else "**not met**",
            ]
        )
    extra = find(
        r"Extrapolated to (\d+) chats.*?(\d+) messages, bound (\d+) s.*?wall about "
        r"(\d+) s",
        out.replace("\n", " "),
    )
    if extra:
        rows.append(
            [
                f"fan-out to {extra[1]} chats (extrapolated)",
                f"about {extra[4]} s",
                f"{extra[2]} messages / 30 per s = {extra[3]} s",
                f"wall / bound {int(extra[4]) / int(extra[3]):.2f}",
            ]
        )
    head = find(r"^== 2\. Concurrency: a (\d+)-paper digest.*L = ([\d.]+) s", out)
    part = out[head.end() :] if head else ""
    for m in re.finditer(
        rf"^\s*(\d+)\s+\d+\s+\d+\s+\d+\s+\d+ \(\d+\)\s+{NUM}\s+{NUM}\s+{NUM}", part, re.MULTILINE
    ):
        assert head is not None
        rows.append(
            [
                f"digest of N = {head[1]} papers, L = {head[2]} s, C = {m[1]}",
                f"{m[2]} s",
                f"N·L/C = {m[3]} s",
                f"ratio {m[4]}",
            ]
        )
    return rows


def answers_rows(out: str) -> list[Row]:
    """/ask latency cold, warm and repeated against the fake LLM's L, and tokens per answer."""
    rows = []
    latency = find(rf"^LLM latency L {NUM} ms", out)
    if latency is None:
        return rows
    pattern = (
        rf"^answer latency (cold|warm|repeated) p50 {NUM} ms p95 {NUM} ms n (\d+)"
        r"(?: overhead p50 (-?[\d.]+) ms)?"
    )
    for m in re.finditer(pattern, out, re.MULTILINE):
        what = {
            "cold": "first question on a paper",
            "warm": "index cached, new question",
            "repeated": "same question again, answer cached",
        }[m[1]]
        if m[5] is not None:
            n = f"{m[4]} papers" if m[1] == "cold" else f"{m[4]} questions"
            rows.append(
                [
                    f"/ask {m[1]}: {what} ({n})",
                    f"p50 {m[2]} ms, p95 {m[3]} ms",
                    f"fake LLM call L = {latency[1]} ms",
                    f"p50 − L = {m[5]} ms",
                ]
            )
        else:
            rows.append(
                [
                    f"/ask {m[1]}: {what} ({m[4]} questions)",
                    f"p50 {m[2]} ms, p95 {m[3]} ms",
                    "no LLM call",
                    "0 LLM calls",
                ]
            )
    tokens = find(rf"^tokens sent per answer mean {NUM} max {NUM}", out)
    calls = find(rf"^LLM calls per new question {NUM}", out)
    if tokens:
        rows.append(
            [
                "tokens sent per /ask answer (system + prompt + schema, chars / 4)",
                f"mean {tokens[1]}, max {tokens[2]}",
                "passages capped at 7,000 chars",
                f"{calls[1] if calls else '?'} LLM calls per new question",
            ]
        )
    return rows


def retrieval_rows(out: str) -> list[Row]:
    """Recall@1/3/6 of BM25, and of the hybrid with the local stand-in embedding model."""
    pattern = r"^(all papers|embeddings|hybrid)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)"
    found = {m[1]: m for m in re.finditer(pattern, out, re.MULTILINE)}
    bm25 = found.get("all papers")
    if bm25 is None:
        return []
    recall = "R@1 {0[3]} · R@3 {0[4]} · R@6 {0[5]}".format
    rows = [
        [
            f"passages for /ask: BM25 recall ({bm25[2]} questions, 5 papers)",
            recall(bm25),
            "the answer's passage among the ~6 sent",
            "offline default",
        ]
    ]
    for name in ("hybrid", "embeddings"):
        m = found.get(name)
        if m is not None:
            what = "BM25 + embeddings fused" if name == "hybrid" else "embeddings alone"
            delta = float(m[5]) - float(bm25[5])
            rows.append(
                [
                    f"passages for /ask: {what} (all-MiniLM-L6-v2 stand-in)",
                    recall(m),
                    f"BM25 R@6 {bm25[5]}",
                    f"R@6 {delta:+.2f}",
                ]
            )
    return rows


def relevance_rows(out: str) -> list[Row]:
    """Digest precision on the shared relevance days, by ranking; speed; feedback memory."""
    pattern = (
        r"^(keywords only|description only|after \d+ taps)(?:, (offline|embeddings) "
        r"\(threshold [\d.]+\))?\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)"
    )
    found = [m for m in re.finditer(pattern, out, re.MULTILINE)]
    words = next((m for m in found if m[1] == "keywords only"), None)
    if words is None:
        return []
    shown = "P@5 {0[3]} · P@10 {0[4]} · recall {0[5]} · {0[7]} on topic".format
    spaces = {
        "offline": "offline TF-IDF + logistic regression",
        "embeddings": "embeddings (all-MiniLM-L6-v2 stand-in) + logistic regression",
    }
    rows = [
        [
            f"talking-head digest, days 2-5 of the shared days: {m[1]}, {m[2]}",
            shown(m),
            f"keywords only: {shown(words)}",
            spaces[m[2]],
        ]
        for m in found
        if m[2]
    ]
    speed = find(r"^ranking a (\d+)-paper day for (\d+) subscriptions: ([\d.]+) s", out)
    if speed is not None:
        rows.append(
            [
                f"rank a {speed[1]}-paper day for {speed[2]} subscriptions",
                f"{speed[3]} s",
                "one TF-IDF fit per day, a dual-liblinear model per subscription",
                "off the event loop",
            ]
        )
    again = find(
        r"^with embeddings, again.*\n^ranking a \d+-paper day for \d+ subscriptions: ([\d.]+) s",
        out,
    )
    first = find(r"^\((\d+) texts embedded for that day\)", out)
    if again is not None and first is not None:
        rows.append(
            [
                "the same with embeddings (vectors in Redis)",
                f"{again[1]} s",
                f"{first[1]} embeddings on first sight of the day, none after",
                "one embedding per paper version, shared by every chat",
            ]
        )
    memory = find(r"^feedback of one chat with (\d+) votes: (\d+) bytes", out)
    if memory is not None:
        rows.append(
            [
                f"Redis memory of a chat's feedback ({memory[1]} votes, with paper texts)",
                f"{int(memory[2]) / 1024:.1f} KiB",
                "model refit from it daily",
                "MEMORY USAGE",
            ]
        )
    return rows


def claims_rows(out: str) -> list[Row]:
    """Planted claims caught, faithful claims lost, and the added time per summary."""
    planted = find(r"^planted claims removed or marked: (\d+)/(\d+) = ([\d.]+)%", out)
    lost = find(r"^faithful claims wrongly removed or marked: (\d+)/(\d+) = ([\d.]+)%", out)
    added = find(r"^time added per summary .*: median ([\d.]+) ms, max ([\d.]+) ms", out)
    if planted is None or lost is None or added is None:
        return []
    caught = "met" if planted[1] == planted[2] else "**not met**"
    kept = "met" if float(lost[3]) < 2 else "**not met**"
    return [
        [
            "planted claims removed or marked (5 fixture PDFs)",
            f"{planted[1]}/{planted[2]}",
            "all",
            caught,
        ],
        ["faithful claims wrongly removed", f"{lost[3]}% ({lost[1]}/{lost[2]})", "under 2%", kept],
        [
            "time the claim check adds per summary",
            f"median {added[1]} ms, max {added[2]} ms",
            "-",
            "-",
        ],
    ]


def html_rows(out: str) -> list[Row]:
    """The figure found on each real arXiv HTML page."""
    rows = []
    pattern = r"^(\d{4}\.\d{5}v\d)(, SVG absent)?\s+(\d+)\s+(yes|no|-)\s+(yes|no|-)\s+\d+\s+\d+\s+([\d.]+)\s+(\S+(?: \S+)?)\s+(\d+x\d+)"
    for m in re.finditer(pattern, out, re.MULTILINE):
        rows.append(
            [
                f"arXiv HTML page {m[1]}{m[2] or ''}: figure on the card",
                f"{m[7]} {m[8]}",
                f"{m[3]} sections, parsed in {m[6]} ms",
                "title and abstract read" if m[4] == "yes" else "-",
            ]
        )
    return rows


def page_rows(out: str) -> list[Row]:
    """A 30-day subscription's page and feed: render time and size."""
    m = find(
        r"^page: (\d+) cards, p50 ([\d.]+) ms, ([\d.]+) KiB \(([\d.]+) KiB gzip\); "
        r"feed ([\d.]+) KiB \(([\d.]+) KiB gzip\)(?:; unchanged p50 ([\d.]+) ms, 304 p50 ([\d.]+) ms)?",
        out,
    )
    if m is None:
        return []
    return [
        [
            f"subscription page, 30 days ({m[1]} cards)",
            f"p50 {m[2]} ms fresh, {m[3]} KiB ({m[4]} KiB gzip)",
            f"unchanged p50 {m[7]} ms, 304 p50 {m[8]} ms" if m[7] else "-",
            "no model or arXiv call while serving",
        ],
        ["Atom feed of the same 30 days", f"{m[5]} KiB ({m[6]} KiB gzip)", "-", "-"],
    ]


def recap_rows(out: str) -> list[Row]:
    """The weekly recap's tokens against summarizing the week afresh."""
    m = find(r"^recap: one call\s+1\s+(\d+) / (\d+)", out)
    fresh = find(r"^summarizing the week afresh\s+(\d+)\s+(\d+) / (\d+)", out)
    share = find(r"^recap / afresh: ([\d.]+) of the tokens", out)
    if m is None or fresh is None or share is None:
        return []
    return [
        [
            f"weekly recap of {fresh[1]} papers (one model call)",
            f"{m[1]} tokens in, {m[2]} out",
            f"afresh: {fresh[2]} in, {fresh[3]} out ({fresh[1]} calls)",
            f"{float(share[1]) * 100:.1f}% of the tokens",
        ]
    ]


def prefetch_rows(out: str) -> list[Row]:
    """A digest's wall time at its minute, cold and with its summaries written ahead."""
    m = find(rf"^digest at its time: cold {NUM} s, prefetched {NUM} s", out)
    head = find(r"^== Digest of (\d+) papers at its time: arXiv pacing ([\d.]+) s", out)
    if m is None or head is None:
        return []
    return [
        [
            f"digest of {head[1]} papers at its minute (arXiv pacing {head[2]} s)",
            f"{m[2]} s with summaries written 30 min ahead",
            f"{m[1]} s cold",
            "prefetch (PAPERBOT_PREFETCH_MINUTES)",
        ]
    ]


def cost_rows() -> list[Row]:
    """Mean tokens and dollars per paper against ChatPaper's three calls."""
    rows = asyncio.run(cost.measure())
    n = len(rows)
    ours = (sum(r.ours_in for r in rows) // n, sum(r.ours_out for r in rows) // n)
    theirs = (sum(r.theirs_in for r in rows) // n, sum(r.theirs_out for r in rows) // n)
    out = [
        [
            f"tokens per paper, in / out (mean of {n} papers)",
            f"{ours[0]} / {ours[1]}",
            f"ChatPaper's 3 calls: {theirs[0]} / {theirs[1]}",
            f"{(ours[0] + ours[1]) / (theirs[0] + theirs[1]):.2f}× ChatPaper's tokens",
        ]
    ]
    for model in cost.MODELS:
        a, b = (
            sum(f(model) for f in fs) / n
            for fs in ([r.ours for r in rows], [r.theirs for r in rows])
        )
        out.append(
            [
                f"estimated cost per paper, {model}",
                f"${a:.5f}",
                f"ChatPaper: ${b:.5f}",
                f"{a / b:.2f}× ChatPaper's cost",
            ]
        )
    return out


def memory_rows() -> list[Row]:
    """Peak RSS of the bot process during a 50-paper digest."""
    r = memory.measure()
    mib, growth = 1024.0, r["maxrss_kib"] - r["rss_before_kib"]
    return [
        [
            f"peak RSS of the bot during a {r['papers']}-paper digest "
            f"({r['pdf_papers']} PDFs, {r['fixture_papers']} of them real)",
            f"{r['maxrss_kib'] / mib:.0f} MiB",
            f"{r['rss_before_kib'] / mib:.0f} MiB before it",
            f"+{growth / mib:.0f} MiB, {growth / mib / r['papers']:.2f} MiB per paper",
        ]
    ]


def render(rows: list[Row], chats: int) -> str:
    """The Markdown block that goes between the markers."""
    lines = [
        START,
        "",
        f"Measured on {date.today().isoformat()}: {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()} on {platform.machine()}; every service is a local "
        "fake (FakeArxiv, FakeGemini with a fixed latency, FakeTelegram) and a private "
        "redis-server, so these are paperbot's own costs. Reproduce with "
        "`.venv/bin/python bench/report.py`; what each figure means: `bench/README.md`.",
        "",
        "| measured | figure | compared with | outcome |",
        "|---|---|---|---|",
    ]
    lines += [f"| {' | '.join(c.replace('|', '/') for c in row)} |" for row in rows]
    lines += [
        "",
        f"Fan-out ran with {chats} chats and is extrapolated to 1,000. Tokens are "
        "characters / 4; paperbot's output is a realistic Analysis (about 5,300 "
        "characters), thinking tokens not counted; ChatPaper's prompts are rebuilt from "
        "its `chat_paper.py` on the same extracted sections (`bench/_chatpaper.py`).",
        "",
        END,
    ]
    return "\n".join(lines)


# The first cells of each step's rows, so that ``--only`` can replace just those rows.
ROW_STARTS = {
    "relevance": (
        "talking-head digest",
        "rank a ",
        "the same with embeddings",
        "Redis memory of a chat's feedback",
    ),
    "claims": ("planted claims", "faithful claims", "time the claim check"),
    "html_pages": ("arXiv HTML page",),
    "page": ("subscription page", "Atom feed"),
    "recap": ("weekly recap",),
}


def merged(readme: str, fresh: dict[str, list[Row]]) -> str:
    """The README's block with the rows of the rerun steps replaced (or appended) in place."""
    if START not in readme or END not in readme:
        raise SystemExit("README.md has no benchmark table yet: run without --only first")
    block = START + readme.split(START, 1)[1].split(END, 1)[0] + END
    lines = block.splitlines()
    for name, rows in fresh.items():
        starts = ROW_STARTS.get(name, (f"bench/{name}.py",))
        mine = [
            i for i, line in enumerate(lines) if line.startswith(tuple(f"| {s}" for s in starts))
        ]
        table_end = max(i for i, line in enumerate(lines) if line.startswith("|")) + 1
        at = mine[0] if mine else table_end
        for i in reversed(mine):
            del lines[i]
        lines[at:at] = [f"| {' | '.join(c.replace('|', '/') for c in row)} |" for row in rows]
    today = date.today().isoformat()
    names = set(fresh)
    for line in lines:  # steps rerun earlier the same day stay named
        if line.startswith("Rows of ") and line.endswith(f" re-measured on {today}."):
            names.update(line[len("Rows of ") : -len(f" re-measured on {today}.")].split(", "))
    note = f"Rows of {', '.join(sorted(names))} re-measured on {today}."
    lines = [line for line in lines if not line.startswith("Rows of ")]
    lines.insert(lines.index(END), note)
    lines.insert(lines.index(END), "")
    return "\n".join(lines)


def write_readme(block: str, readme: Path = README) -> None:
    """Replace the marked block, or append it under a "Benchmarks" heading."""
    text = readme.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Benchmarks\n\n" + block + "\n"
    readme.write_text(text, encoding="utf-8")


def report(argv: list[str] | None = None) -> int:
    """Run everything, print the table, write it into README.md unless --dry-run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=60, help="fan-out chats for bench/digest.py")
    parser.add_argument("--dry-run", action="store_true", help="print, do not touch README.md")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated steps (e.g. relevance,claims): rerun those, keep the other rows",
    )
    args = parser.parse_args(argv)
    only = {name for name in args.only.split(",") if name}
    rows: list[Row] = []
    steps: list[tuple[str, Callable[[], list[Row]]]] = [
        ("summarize", lambda: summarize_rows(run_script("summarize", "--repeat", "3"))),
        (
            "digest",
            lambda: digest_rows(run_script("digest", "--chats", str(args.chats)), args.chats),
        ),
        ("answers", lambda: answers_rows(run_script("answers"))),
        ("retrieval", lambda: retrieval_rows(run_script("retrieval"))),
        ("prefetch", lambda: prefetch_rows(run_script("prefetch"))),
        ("relevance", lambda: relevance_rows(run_script("relevance", timeout=1800))),
        ("claims", lambda: claims_rows(run_script("claims"))),
        ("html_pages", lambda: html_rows(run_script("html_pages"))),
        ("page", lambda: page_rows(run_script("page"))),
        ("recap", lambda: recap_rows(run_script("recap"))),
        ("cost", cost_rows),
        ("memory", memory_rows),
    ]
    unknown = only - {name for name, _ in steps}
    if unknown:
        parser.error(f"no such step: {', '.join(sorted(unknown))}")
    fresh: dict[str, list[Row]] = {}
    for name, step in steps:
        if only and name not in only:
            continue
        print(f"running {name}…", flush=True)
        try:
            found = step()
        except Exception as exc:  # one failed benchmark must not hide the others
            found = [[f"bench/{name}.py", "failed", "-", f"{type(exc).__name__}: {exc}"[:200]]]
        fresh[name] = found or [[f"bench/{name}.py", "no figures parsed", "-", "see its output"]]
        rows += fresh[name]
    readme = README.read_text(encoding="utf-8")
    block = merged(readme, fresh) if only else render(rows, args.chats)
    print(block)
    if not args.dry_run:
        write_readme(block)
        print(f"wrote {README}")
    return 0


if __name__ == "__main__":
    sys.exit(report())
