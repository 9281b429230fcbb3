"""The browser page's one entry point: bytes in, what to show out (a JSON-able dict).

The page (``web/``) runs this module under Pyodide and only displays what it returns;
it holds no verification logic of its own. :func:`check_page` is the user's check of
``zkpor inclusion verify`` (``verifier/cli.py``): :func:`parse_folder` on the published
files (either layout), then :func:`check_user` on the user's inclusion file, with the same trust rule
(pinned ceremonies; a development SRS only with ``allow_insecure``, which the site
builder bakes into the site's config). Numbers are formatted by the same functions as
the command line's, and every string passes through :func:`printable`, so neither
output can show what the other does not.

The result is ``{"result": "pass", ...}`` with the fields the page shows, or
``{"result": "fail", "kind": "fail" | "unusable", "reason": "<one line>"}``: "fail" is
a :class:`VerificationError` (exit code 1 on the command line), "unusable" an
:class:`InputError` (exit code 2). A sharded snapshot adds ``shards`` and ``shard``;
sections the page does not know yet (haircut equity) can be added as keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from zkpor.verifier.amounts import format_price, format_units, format_usd
from zkpor.verifier.errors import InputError, VerificationError
from zkpor.verifier.inclusion import UserCheck, check_user
from zkpor.verifier.public import MemoryFiles, format_digest, parse_folder
from zkpor.verifier.sharded import TopStatement
from zkpor.verifier.text import printable

Progress = Callable[[str], None]


def _escaped(value: Any) -> Any:
    """``value`` with every string in it passed through :func:`printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


def describe(user: UserCheck) -> dict[str, Any]:
    """What a passing check shows: the snapshot, the key, the digest, the user, the totals."""
    checked, result, record = user.checked, user.result, user.record
    st = checked.statement
    layout = (
        {"shards": len(st.shards), "shard": record.shard}
        if isinstance(st, TopStatement)
        else {"domain_size": st.n}
    )
    return {
        "result": "pass",
        "snapshot_id": st.snapshot_id,
        "snapshot_time": st.snapshot_time,
        **layout,
        "n_fingerprints": st.n_u,
        "key_origin": checked.key_origin,
        "insecure": checked.insecure,
        "digest": format_digest(checked.digest),
        "uid": result.uid,
        "uid_checked": user.uid_checked,
        "leaf_index": result.leaf_index,
        "balances": [
            {
                "asset": symbol,
                "amount": format_units(units),
                "price": format_price(price),
                "value": format_usd(units * price, 16),
            }
            for symbol, units, price in result.balances
        ],
        "equity": format_usd(result.equity, 16),
        **(
            {}
            if result.haircut is None
            else {"haircut": {k: format_usd(getattr(result.haircut, k), 18)
                              for k in ("collateral", "debt", "equity")}}  # fmt: skip
        ),
        "totals": [
            {"asset": a.symbol, "price": format_price(a.price), "total": format_units(a.total)}
            for a in st.assets
        ],
    }


def check_page(
    names: Sequence[str], blobs: Sequence[Any], inclusion: Any, uid: str | None,
    allow_insecure: bool, progress: Progress | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The user's whole check from the site's published files and the user's file.

    ``names`` are the published files' relative paths (``statement.json``, ``vk.json``,
    ``shards/0/proof.bin``, ...) and ``blobs`` their bytes-like contents (the page passes
    typed arrays). Every shard of a sharded snapshot is verified, not only the user's.
    An empty ``uid`` is not compared, and the result says ``uid_checked: false``, as the
    command line without ``--uid`` does. ``progress`` is called before each slow step.
    """
    say = progress or (lambda _line: None)
    try:
        say("reading the published files and your inclusion file")
        files = MemoryFiles({str(n): bytes(b) for n, b in zip(names, blobs, strict=True)})
        folder = parse_folder(files)
        say("verifying the whole proof (constraints, then the pairing check) and your inclusion")
        user = check_user(folder, bytes(inclusion), uid or None, allow_insecure, all_shards=True)
    except InputError as exc:
        return _escaped({"result": "fail", "kind": "unusable", "reason": str(exc)})
    except VerificationError as exc:
        return _escaped({"result": "fail", "kind": "fail", "reason": str(exc)})
    return _escaped(describe(user))


def check_page_json(*args: Any, **kwargs: Any) -> str:
    """:func:`check_page` as JSON text, so the page's loader needs no Python conversions."""
    return json.dumps(check_page(*args, **kwargs))
