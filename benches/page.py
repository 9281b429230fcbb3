"""`zkpor bench page`: time from the inclusion file chosen to the result, in headless Chromium.

Synthesises a snapshot that fills N = 2^16 (20,000 users x 2 entries by default), proves
it with a development SRS, builds the page's site (``--allow-insecure``), serves it on
127.0.0.1 and, in a fresh page each time, waits for the verifier to be ready, chooses a
user's file and waits for the result. Pyodide's start is reported apart: the page starts
it while the user types. ``--public DIR --inclusion FILE --uid UID`` times an existing
proof instead; docs/page-pass.png is the demo's user acct0005000::

    make demo
    zkpor bench page --public demo-out/proof/public --inclusion \\
        demo-out/inclusion-acct0005000.json --uid acct0005000 --repeat 1 --screenshot docs/page-pass.png
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

import click

from benches import browser
from benches.prove import cached_dev_srs, machine_info
from zkpor.prover.argument.publish import PrivateFolder
from zkpor.prover.cli.page import build_site, serve_site
from zkpor.prover.cli.prove import prove_snapshot
from zkpor.prover.exchange.synth import synth_snapshot
from zkpor.verifier.public import load_public


@click.command("page")
@click.option("--users", default=20_000, show_default=True, type=click.IntRange(1))
@click.option("--entries-per-user", default=2, show_default=True, type=click.IntRange(1))
@click.option("--assets", default=20, show_default=True, type=click.IntRange(1, 200))
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(1))
@click.option("--json", "json_out", type=click.Path(path_type=Path))
@click.option("--screenshot", type=click.Path(path_type=Path), help="PNG of the last PASS.")
@click.option("--public", type=click.Path(path_type=Path, exists=True), help="An existing published folder.")
@click.option("--inclusion", type=click.Path(path_type=Path, exists=True), help="A user's file for --public.")
@click.option("--uid", help="That user's uid.")
def bench_page(
    users: int, entries_per_user: int, assets: int, repeat: int, json_out: Path | None,
    screenshot: Path | None, public: Path | None, inclusion: Path | None, uid: str | None,
) -> None:  # fmt: skip
    """Time the browser page's check of one user's file (verifier start reported apart)."""
    reason = browser.missing()
    if reason:
        raise click.ClickException(reason)
    if (public, inclusion, uid).count(None) not in (0, 3):
        raise click.UsageError("--public, --inclusion and --uid go together")
    with tempfile.TemporaryDirectory(prefix="zkpor-bench-page-") as tmp:
        work = Path(tmp)
        if public is None:
            snapshot = synth_snapshot(users, assets, entries_per_user, seed=3)
            srs = cached_dev_srs(16)
            prove_snapshot(snapshot, srs, work / "out", "bench-page", quiet=True)
            public, uid = work / "out" / "public", snapshot.uids[len(snapshot.uids) // 2]
            inclusion = work / f"inclusion-{uid}.json"
            inclusion.write_text(PrivateFolder(work / "out" / "private").record(uid).dumps())
            source = f"synthetic: {users} users x {entries_per_user} entries, {assets} assets"
        else:
            source = str(public)
        st = load_public(public).statement
        site = build_site(public, work / "site", allow_insecure=True)
        ready_s, check_s, shown_s = [], [], []
        with serve_site(site.root) as url, browser.chromium() as chromium:
            for _ in range(repeat):
                start = time.perf_counter()
                page = chromium.open(url)
                ready_s.append(time.perf_counter() - start)
                result = browser.check(page, uid, inclusion)
                if result.result != "pass":
                    raise click.ClickException(f"the page did not pass: {result.text[:300]}")
                check_s.append(result.seconds)
                shown_s.append(float(page.inner_text("#verdict").split("(")[1].split()[0]))
                if screenshot:
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot), full_page=True)
                page.close()
            outside = [u for u in chromium.requests if not u.startswith(url)]
    report = {
        "proof": source,
        "N": st.n,
        "n_fingerprints": st.n_u,
        "assets": len(st.assets),
        "site_bytes": site.size,
        "site_parts_bytes": site.parts,
        "pyodide_ready_s": [round(x, 2) for x in ready_s],
        "file_to_result_s": [round(x, 2) for x in check_s],
        "file_to_result_median_s": round(statistics.median(check_s), 2),
        "page_reported_s": shown_s,
        "requests_outside_site": outside,
        "browser": "Debian chromium, headless, via playwright",
        "machine": machine_info(),
    }
    text = json.dumps(report, indent=2)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text + "\n")
    click.echo(text)
