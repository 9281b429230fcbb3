"""The browser page (issue 13): check_page, the site builder, Pyodide in Node, Chromium.

The page's one entry point, ``zkpor.verifier.page.check_page``, is tested here in plain
Python, in a subprocess where numpy, numba, click, eth_utils and eth_typing cannot be
imported, and under Pyodide in Node; then headless Chromium (Debian's, driven by
Playwright) loads built sites from a local server and checks real inclusion files.
Outside CI a missing browser, Node or Pyodide skips those tests; in CI (CI=true) it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_cli import PRICES, SNAPSHOT  # the same little exchange as the CLI's tests

from benches import browser as chromium
from zkpor.prover.cli.main import main
from zkpor.prover.cli.page import (
    CSP,
    PYODIDE_FILES,
    PageError,
    build_site,
    find_web,
    serve_site,
)
from zkpor.verifier.cli import main as verify_main
from zkpor.verifier.page import check_page
from zkpor.verifier.public import format_digest, load_public

HERE = Path(__file__).resolve().parent
PYODIDE = find_web() / "node_modules" / "pyodide"


def need(reason: str | None) -> None:
    """Skip for ``reason`` outside CI; in CI the page tests must run, so fail."""
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"page tests cannot run in CI: {reason}")
        pytest.skip(reason)


def need_pyodide() -> None:
    need(None if (PYODIDE / "pyodide.mjs").is_file() else f"{PYODIDE} missing (npm ci --prefix web)")


def _prove(work: Path, name: str, snapshot_id: str, srs: Path, *extra: str) -> Path:
    result = CliRunner().invoke(
        main,
        ["prove", str(work / "snap.csv"), "--prices", str(work / "prices.csv"), "--srs", str(srs),
         "--out", str(work / name), "--snapshot-id", snapshot_id, *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return work / name


def _export(private: Path, uid: str, out: Path) -> Path:
    result = CliRunner().invoke(main, ["inclusion", "export", str(private), "--uid", uid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def work(dev_srs_dir, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001
    """Two proofs of one snapshot (ids page-1 and page-2), users' files, a tampered copy."""
    root = tmp_path_factory.mktemp("page")
    (root / "snap.csv").write_text(SNAPSHOT)
    (root / "prices.csv").write_text(PRICES)
    one = _prove(root, "one", "page-1", dev_srs_dir(16))
    two = _prove(root, "two", "page-2", dev_srs_dir(16))
    for uid in ("alice", "bob"):
        _export(one / "private", uid, root / f"{uid}.json")
    _export(two / "private", "bob", root / "bob-page-2.json")
    (root / "haircuts.csv").write_text("asset,upper_usd,ratio_percent\nBTC,30000,90\nBTC,,50\n")
    tiered = _prove(root, "tiered", "page-t", dev_srs_dir(16), "--haircuts", str(root / "haircuts.csv"))
    _export(tiered / "private", "alice", root / "alice-tiered.json")
    sharded = _prove(root, "sharded", "page-s", dev_srs_dir(16), "--shard-users", "2", "--dummy-users", "1")
    _export(sharded / "private", "bob", root / "bob-sharded.json")
    shutil.copytree(sharded / "public", root / "sharded-tampered")
    other = next(i for i in range(2) if i != json.loads((root / "bob-sharded.json").read_text())["shard"])
    proof = bytearray((root / "sharded-tampered" / "shards" / str(other) / "proof.bin").read_bytes())
    proof[-100] ^= 1
    (root / "sharded-tampered" / "shards" / str(other) / "proof.bin").write_bytes(bytes(proof))
    record = json.loads((root / "bob.json").read_text())
    record["balances"][0]["amount"] = "-2.99999999"
    (root / "bob-altered.json").write_text(json.dumps(record))
    shutil.copytree(one / "public", root / "tampered")
    proof = bytearray((root / "tampered" / "proof.bin").read_bytes())
    proof[-100] ^= 1
    (root / "tampered" / "proof.bin").write_bytes(bytes(proof))
    return root


def public_files(public: Path) -> tuple[list[str], list[bytes]]:
    names = load_public(public).names()
    return names, [(public / name).read_bytes() for name in names]


def page_check(work: Path, inclusion: str, uid: str, insecure: bool = True, public: str = "one/public") -> dict:
    return check_page(*public_files(work / public), (work / inclusion).read_bytes(), uid, insecure)


# -- check_page in plain Python --------------------------------------------------------


def test_check_page_passes_and_shows_what_the_cli_shows(work: Path) -> None:
    shown = page_check(work, "bob.json", "bob")
    assert shown["result"] == "pass" and shown["uid_checked"] is True
    assert shown["snapshot_id"] == "page-1" and shown["insecure"] is True
    assert shown["balances"] == [
        {"asset": "ETH", "amount": "-3.00000000", "price": "$3,000.00", "value": "-$9,000.00"},
        {"asset": "USDT", "amount": "12300.00000000", "price": "$1.00", "value": "$12,300.00"},
    ]
    assert shown["equity"] == "$3,300.00"
    assert [(t["asset"], t["total"]) for t in shown["totals"]] == [
        ("BTC", "0.50000000"), ("ETH", "-3.00000000"), ("USDT", "17200.00000000"),
    ]  # fmt: skip
    assert shown["digest"] == format_digest(load_public(work / "one" / "public").digest)
    json.dumps(shown)  # JSON-able
    cli = CliRunner().invoke(
        verify_main,
        ["inclusion", "verify", str(work / "bob.json"), "--public", str(work / "one" / "public"),
         "--uid", "bob", "--allow-insecure"],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    assert f"published digest {shown['digest']}" in cli.output.splitlines()
    assert f"key: {shown['key_origin']}" in cli.output.splitlines()
    assert f"net equity at the published prices: {shown['equity']}" in cli.output
    for row in shown["balances"]:
        line = next(x for x in cli.output.splitlines() if x.strip().startswith(row["asset"] + " "))
        assert line.split() == [row["asset"], row["amount"], "at", row["price"], "=", row["value"]]


def test_check_page_verifies_every_shard_of_a_sharded_snapshot(work: Path) -> None:
    shown = page_check(work, "bob-sharded.json", "bob", public="sharded/public")
    assert shown["result"] == "pass", shown
    assert shown["shards"] == 2 and shown["shard"] in (0, 1) and shown["equity"] == "$3,300.00"
    # a flipped byte in the shard the user is NOT in still fails the page's check
    shown = page_check(work, "bob-sharded.json", "bob", public="sharded-tampered")
    assert shown["result"] == "fail" and "shard" in shown["reason"], shown


def test_check_page_shows_haircut_equity_with_tier_tables(work: Path) -> None:
    shown = page_check(work, "alice-tiered.json", "alice", public="tiered/public")
    assert shown["result"] == "pass", shown
    # 0.5 BTC at $90,000 = $45,000: $30,000 at 90% + $15,000 at 50%; debt 100 USDT
    assert shown["haircut"] == {"collateral": "$34,500.00", "debt": "$100.00", "equity": "$34,400.00"}
    assert "haircut" not in page_check(work, "alice.json", "alice")


def test_check_page_failures_are_one_line_with_a_kind(work: Path) -> None:
    altered = page_check(work, "bob-altered.json", "bob")
    assert altered == {
        "result": "fail", "kind": "fail",
        "reason": "your fingerprint is not in the published list at your leaf index",
    }  # fmt: skip
    other = page_check(work, "bob-page-2.json", "bob")
    assert other["kind"] == "fail" and "'page-2'" in other["reason"]
    wrong = page_check(work, "bob.json", "alice")
    assert wrong["kind"] == "fail" and "not the uid you gave" in wrong["reason"]
    strict = page_check(work, "bob.json", "bob", insecure=False)
    assert strict["kind"] == "fail" and "INSECURE" in strict["reason"]
    tampered = page_check(work, "bob.json", "bob", public="tampered")
    assert tampered["result"] == "fail" and "\n" not in tampered["reason"]
    (work / "garbage.json").write_bytes(b"\xff not json")
    garbage = page_check(work, "garbage.json", "bob")
    assert garbage["kind"] == "unusable" and "not UTF-8" in garbage["reason"]
    empty = page_check(work, "bob.json", "")
    assert empty["result"] == "pass" and empty["uid_checked"] is False


def test_check_page_escapes_what_it_shows(work: Path) -> None:
    record = json.loads((work / "bob.json").read_text())
    record["uid"] = "bob\u202e\x1b[2K"
    (work / "bidi.json").write_text(json.dumps(record))
    shown = page_check(work, "bidi.json", "bob")
    assert shown["result"] == "fail"
    assert "\u202e" not in shown["reason"] and "\\u202e\\x1b[2K" in shown["reason"]


def test_check_page_runs_without_numpy_click_or_eth_packages(work: Path) -> None:
    """The page's Python path with what Pyodide will not have made unimportable."""
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('numpy', 'numba', 'llvmlite', 'pyarrow', 'click',\n"
        "                                  'eth_utils', 'eth_typing') or name.startswith('zkpor.prover'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from pathlib import Path\n"
        "from zkpor.verifier.page import check_page_json\n"
        "public, inclusion = Path(sys.argv[1]), Path(sys.argv[2])\n"
        "names = ['statement.json', 'proof.bin', 'fingerprints.bin', 'vk.json']\n"
        "blobs = [memoryview((public / n).read_bytes()) for n in names]\n"
        "print(check_page_json(names, blobs, memoryview(inclusion.read_bytes()), 'bob', True))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", blocker, str(work / "one" / "public"), str(work / "bob.json")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    shown = json.loads(out.stdout)
    assert shown["result"] == "pass" and shown["equity"] == "$3,300.00"


# -- the site builder -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sites(work: Path) -> dict[str, Path]:
    """Sites for the honest proof (with and without --allow-insecure) and the tampered one."""
    need_pyodide()
    out = work / "sites"
    return {
        "insecure": build_site(work / "one" / "public", out / "insecure", allow_insecure=True).root,
        "strict": build_site(work / "one" / "public", out / "strict").root,
        "tampered": build_site(work / "tampered", out / "tampered", allow_insecure=True).root,
        "sharded": build_site(work / "sharded" / "public", out / "sharded", allow_insecure=True).root,
    }


def test_site_holds_the_page_runtime_verifier_and_public_folder(work: Path, sites: dict[str, Path]) -> None:
    site = sites["insecure"]
    config = json.loads((site / "config.json").read_text())
    assert config["allow_insecure"] is True and config["snapshot_id"] == "page-1"
    assert json.loads((sites["strict"] / "config.json").read_text())["allow_insecure"] is False
    assert sorted(p.name for p in (site / "pyodide").iterdir()) == sorted(PYODIDE_FILES)
    assert config["files"] == ["statement.json", "proof.bin", "fingerprints.bin", "vk.json"]
    for name in config["files"]:
        assert (site / config["public"] / name).read_bytes() == (work / "one" / "public" / name).read_bytes()
    names = {p: zipfile.ZipFile(site / p).namelist() for p in config["python"]}
    zkpor_zip = next(n for p, n in names.items() if "zkpor" in p)
    assert {n.split("/")[1] for n in zkpor_zip} == {"verifier", "circuits"}
    assert "zkpor/verifier/page.py" in zkpor_zip and "zkpor/__init__.py" not in zkpor_zip
    py_ecc_zip = next(n for p, n in names.items() if "py_ecc" in p)
    assert "py_ecc/optimized_bn128/optimized_pairing.py" in py_ecc_zip
    assert not any(n.startswith(("eth_utils", "eth_typing")) for n in py_ecc_zip)
    for path in config["python"]:  # the same sources give the same bytes
        assert (site / path).read_bytes() == (sites["tampered"] / path).read_bytes()


def test_page_files_name_no_outside_url_and_carry_the_csp(sites: dict[str, Path]) -> None:
    site = sites["insecure"]
    ours = [p for p in site.iterdir() if p.is_file()]
    assert {p.name for p in ours} >= {"index.html", "page.js", "worker.js", "page.css", "config.json"}
    for path in ours:
        text = path.read_text()
        text = re.sub(r'xmlns="http://www\.w3\.org/2000/svg"', "", text)  # a name, not a request
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), path.name
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', (site / "index.html").read_text())
    assert meta and meta.group(1) == CSP
    for path in (site / "py").iterdir():  # no Python archive refers to a URL it would fetch
        for name in zipfile.ZipFile(path).namelist():
            assert not name.endswith((".so", ".pth")), name


def test_build_is_whole_or_absent(work: Path, tmp_path: Path) -> None:
    need_pyodide()
    with pytest.raises(PageError, match="not a published folder"):
        build_site(work / "one" / "private", tmp_path / "site")
    assert not (tmp_path / "site").exists() and list(tmp_path.iterdir()) == []
    site = build_site(work / "one" / "public", tmp_path / "site")
    assert site.files == len([p for p in site.root.rglob("*") if p.is_file()])
    result = CliRunner().invoke(
        main, ["page", "build", str(work / "tampered"), "-o", str(tmp_path / "site"), "--allow-insecure"]
    )
    assert result.exit_code == 0, result.output
    assert "INSECURE" in result.output and "MiB" in result.output
    assert json.loads((tmp_path / "site" / "config.json").read_text())["allow_insecure"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging folder left


def test_pyodide_in_node_loads_the_verifier_without_eth_packages(work: Path, sites: dict[str, Path]) -> None:
    node = shutil.which("node")
    need(None if node else "node not found")
    out = subprocess.run(
        [node, str(HERE / "page_smoke.mjs"), str(sites["insecure"]), str(work / "bob.json"), "bob"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["absent"] == ["eth_utils", "eth_typing", "click", "numpy", "numba"]
    assert report["result"] == page_check(work, "bob.json", "bob")


# -- the page in headless Chromium --------------------------------------------------------


@pytest.fixture(scope="module")
def browser(sites: dict[str, Path]):  # noqa: ANN201
    need(chromium.missing())
    with chromium.chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def urls(sites: dict[str, Path]):  # noqa: ANN201
    with contextlib.ExitStack() as stack:
        yield {name: stack.enter_context(serve_site(root)) for name, root in sites.items()}


@pytest.fixture(scope="module")
def page(browser: chromium.Browser, urls: dict[str, str]):  # noqa: ANN201
    """The insecure site's page, loaded once: each test chooses another file."""
    opened = browser.open(urls["insecure"])
    yield opened
    opened.close()


def _choose(page, work: Path, tmp_path: Path, inclusion: str, uid: str) -> chromium.PageResult:  # noqa: ANN001
    """Choose a fresh copy of ``inclusion`` (a new file name for every check)."""
    copy = tmp_path / f"{tmp_path.name}-{inclusion}"
    shutil.copyfile(work / inclusion, copy)
    return chromium.check(page, uid, copy)


def _rows(page, table: str) -> list[list[str]]:  # noqa: ANN001
    rows = page.locator(f"#{table} tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def test_browser_valid_file_passes_with_the_right_balances(page, work: Path, tmp_path: Path) -> None:  # noqa: ANN001
    shown = _choose(page, work, tmp_path, "bob.json", "bob")
    assert shown.result == "pass", shown.text
    expected = page_check(work, "bob.json", "bob")
    assert _rows(page, "balances") == [[b["asset"], b["amount"], b["price"], b["value"]] for b in expected["balances"]]
    assert _rows(page, "totals") == [[t["asset"], t["price"], t["total"]] for t in expected["totals"]]
    assert page.inner_text("#equity") == "$3,300.00"
    assert page.inner_text("#digest") == expected["digest"]
    assert page.inner_text("#snapshot-id").startswith("page-1 ")
    assert "INSECURE" in shown.text and page.is_visible("#insecure")
    assert not page.is_visible("#uid-note")


@pytest.mark.parametrize(
    ("inclusion", "uid", "reason"),
    [
        ("bob-altered.json", "bob", "your fingerprint is not in the published list"),
        ("bob-page-2.json", "bob", "inclusion file is for snapshot 'page-2'"),
        ("bob.json", "alice", "not the uid you gave"),
    ],
    ids=["altered-balance", "other-snapshot", "wrong-uid"],
)
def test_browser_bad_file_fails_with_the_reason(page, work: Path, tmp_path: Path, inclusion: str, uid: str, reason: str) -> None:  # noqa: ANN001
    shown = _choose(page, work, tmp_path, inclusion, uid)
    assert shown.result == "fail", shown.text
    assert reason in page.inner_text("#reason")
    assert not page.is_visible("#details")


def test_browser_empty_uid_is_reported_as_not_checked(page, work: Path, tmp_path: Path) -> None:  # noqa: ANN001
    shown = _choose(page, work, tmp_path, "alice.json", "")
    assert shown.result == "pass", shown.text
    assert "uid not checked" in page.inner_text("#uid-note")


def test_browser_dropped_file_starts_the_check(page, work: Path) -> None:  # noqa: ANN001
    page.fill('input[name="uid"]', "bob")
    transfer = page.evaluate_handle(
        "(text) => { const dt = new DataTransfer();"
        " dt.items.add(new File([text], 'dropped.json', {type: 'application/json'})); return dt; }",
        (work / "bob.json").read_text(),
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    element = page.wait_for_selector("#result[data-result]", timeout=chromium.CHECK_TIMEOUT_MS)
    assert element.get_attribute("data-result") == "pass"
    assert page.inner_text("#equity") == "$3,300.00"


def test_browser_flipped_proof_byte_fails(browser: chromium.Browser, urls: dict[str, str], work: Path, tmp_path: Path) -> None:
    tampered = browser.open(urls["tampered"])
    try:
        shown = _choose(tampered, work, tmp_path, "bob.json", "bob")
    finally:
        tampered.close()
    assert shown.result == "fail", shown.text
    assert shown.text.startswith("FAIL")


def test_browser_sharded_snapshot_passes(browser: chromium.Browser, urls: dict[str, str], work: Path, tmp_path: Path) -> None:
    sharded = browser.open(urls["sharded"])
    try:
        shown = _choose(sharded, work, tmp_path, "bob-sharded.json", "bob")
        assert shown.result == "pass", shown.text
        assert "2 shards (yours: " in sharded.inner_text("#snapshot-id")
        assert sharded.inner_text("#equity") == "$3,300.00"
    finally:
        sharded.close()


def test_browser_site_without_allow_insecure_refuses_a_dev_srs(browser: chromium.Browser, urls: dict[str, str], work: Path, tmp_path: Path) -> None:
    strict = browser.open(urls["strict"])
    try:
        assert not strict.is_visible("#insecure")
        shown = _choose(strict, work, tmp_path, "bob.json", "bob")
        reason = strict.inner_text("#reason")
    finally:
        strict.close()
    assert shown.result == "fail" and "INSECURE" in reason


def test_browser_from_disk_says_to_use_a_server(browser: chromium.Browser, sites: dict[str, Path]) -> None:
    opened = browser.open((sites["insecure"] / "index.html").as_uri(), wait_ready=False)
    try:
        element = opened.wait_for_selector("#result[data-result]", timeout=30_000)
        assert element.get_attribute("data-result") == "fail"
        assert "web server" in opened.inner_text("#reason")
    finally:
        opened.close()


def test_browser_requests_nothing_outside_the_site(browser: chromium.Browser, page, urls: dict[str, str], sites: dict[str, Path]) -> None:  # noqa: ANN001
    """Every request of every page above (the worker's included) went to its own site."""
    allowed = (*urls.values(), *(root.as_uri() + "/" for root in sites.values()))
    assert any("pyodide.asm.wasm" in url for url in browser.requests)
    outside = [url for url in browser.requests if not url.startswith(allowed)]
    assert not outside, outside
    assert not browser.failures, browser.failures

