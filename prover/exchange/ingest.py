"""Snapshot input: exact, streaming readers for CSV, Parquet and JSON lines.

Formats (docs/formats.md has the full description):

* long layout: columns ``uid, asset, amount`` (one row per user and asset);
* wide layout: ``uid`` plus one column per asset symbol (empty cell or 0: no entry);
* CSV (.csv), Parquet (.parquet, .pq) and JSON lines (.jsonl, .ndjson) for both;
* prices: CSV ``asset,price_usd`` or a JSON object ``{"BTC": "91234.5", ...}``.

Every value is read as text and converted exactly to integers (amounts in 1e-8 coin,
prices in 1e-8 USD). Amount parsing is vectorised with pyarrow: a strict regular
expression validates the text, then a cast to ``decimal128(38, 8)`` yields the
two's-complement 128-bit value, which *is* the (amount_lo, amount_hi) split of the
Snapshot. Rows the cast cannot take (more than 8 decimals with ``round_up``, or
1e30 coins and more) go through an exact Python path.

Errors are :class:`SnapshotError` with one line 'FILE:LINE: reason'. LINE is the
1-based physical line for CSV (the header is line 1) and JSON lines, and the
1-based row number for Parquet (which has no lines).
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from zkpor.prover.atomic import atomic_path
from zkpor.prover.exchange.snapshot import (
    MAX_AMOUNT,
    MAX_PRICE,
    MIN_AMOUNT,
    Snapshot,
    SnapshotError,
)
from zkpor.verifier.amounts import MAX_DIGITS
from zkpor.verifier.jsonio import LINE_MAX_BYTES, PRICES_MAX_BYTES, JsonInputError, read_bytes
from zkpor.verifier.jsonio import loads as json_loads
from zkpor.verifier.statement import SYMBOL_RULE, is_symbol

SCALE = 8
UNIT = 10**SCALE
_DEC_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?$"
_DEC_RE = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]+))?")
_BATCH_ROWS = 1 << 20
_CSV_BLOCK = 32 << 20

CSV_EXT = (".csv",)
PARQUET_EXT = (".parquet", ".pq")
JSONL_EXT = (".jsonl", ".ndjson")


class _RowError(Exception):
    """A validation error at a 0-based row index of the current batch."""

    def __init__(self, row: int, reason: str):
        super().__init__(reason)
        self.row = row
        self.reason = reason


def _short(text: object, limit: int = 40) -> str:
    s = repr(text)
    return s if len(s) <= limit else s[: limit - 4] + "...'"


# ------------------------------------------------------------------ symbols
def normalise_symbol(sym: object) -> str:
    """An asset symbol as the statement holds it: ASCII a-z upper-cased, then the
    statement's rule (:data:`zkpor.verifier.statement.SYMBOL_RE`); ValueError otherwise."""
    up = sym.upper() if isinstance(sym, str) and sym.isascii() else sym
    if not is_symbol(up):
        raise ValueError(
            f"asset symbol {_short(sym)} is not {SYMBOL_RULE} (ASCII; a-z are upper-cased)"
        )
    return up


def json_document(data: bytes, path: str, line: int | None, max_bytes: int, exact: bool = True):
    """One bounded JSON document (verifier/jsonio.py); ``exact``: numbers kept as their text."""
    try:
        return json_loads(data, path, max_bytes, exact_numbers=exact)
    except JsonInputError as e:
        inner = e.line if line is None else line
        raise SnapshotError(e.reason, path, inner) from None


# ----------------------------------------------------------------- decimals
def parse_decimal(
    text: str, scale: int = SCALE, round_up: bool = False, what: str = "amount"
) -> int:
    """Exact integer of a decimal string in units of 10**-scale.

    Accepts ``[+-]digits[.digits]`` only (no exponent, no separators, no spaces).
    More than ``scale`` decimal places is an error unless ``round_up``, which rounds
    toward +infinity. Raises ValueError with a one-line reason.
    """
    if not isinstance(text, str):
        raise ValueError(f"{what} {_short(text)} is not a decimal string")
    m = _DEC_RE.fullmatch(text)
    if m is None:
        raise ValueError(f"malformed {what} {_short(text)}")
    sign, ip, fp = m.group(1), m.group(2), m.group(3) or ""
    if len(ip.lstrip("0")) > MAX_DIGITS:
        raise ValueError(f"{what} {_short(text)} is out of range (more than {MAX_DIGITS} digits)")
    bump = 0
    if len(fp) > scale:
        if not round_up:
            raise ValueError(f"{what} {_short(text)} has more than {scale} decimal places")
        bump = 1 if fp[scale:].strip("0") else 0
        fp = fp[:scale]
    mag = int(ip) * 10**scale + int(fp.ljust(scale, "0") or "0")
    if sign == "-":
        return -mag  # truncation toward zero = toward +infinity for negatives
    return mag + bump


def format_decimal(v: int, scale: int = SCALE) -> str:
    """Exact decimal text of v * 10**-scale, without trailing fractional zeros."""
    sign = "-" if v < 0 else ""
    q, r = divmod(abs(v), 10**scale)
    if r == 0 or scale == 0:
        return f"{sign}{q}"
    frac = str(r).rjust(scale, "0").rstrip("0")
    return f"{sign}{q}.{frac}"


def _first_true(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _to_bool_np(arr) -> np.ndarray:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.to_numpy(zero_copy_only=False).astype(bool, copy=False)


def parse_amount_array(arr: pa.Array, round_up: bool = False, what: str = "amount"):
    """Vectorised exact parse of a string array -> (hi int64, lo uint64).

    Raises _RowError(row, reason) on the first bad row.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    if arr.null_count:
        i = _first_true(_to_bool_np(arr.is_null()))
        raise _RowError(i, f"missing {what}")
    ok = pc.match_substring_regex(arr, _DEC_PATTERN)
    if not pc.all(ok).as_py():
        i = _first_true(~_to_bool_np(ok))
        v = arr[i].as_py()
        raise _RowError(i, f"empty {what}" if v == "" else f"malformed {what} {_short(v)}")
    # Arrow's string->decimal128 cast silently wraps values of 39+ digits, so any
    # string longer than 38 characters goes to the exact Python path, as do rows with
    # more than SCALE decimals (an error unless round_up).
    lengths = pc.utf8_length(arr)
    slow = None
    if pc.max(lengths).as_py() > 38:
        slow = _to_bool_np(pc.greater(lengths, 38))
    try:
        dec = pc.cast(
            arr if slow is None else pc.if_else(pa.array(slow), "0", arr), pa.decimal128(38, SCALE)
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        many_re = r"\.[0-9]{" + str(SCALE + 1) + ",}$"
        many_dec = _to_bool_np(pc.match_substring_regex(arr, many_re))
        if many_dec.any() and not round_up:
            i = _first_true(many_dec)
            raise _RowError(
                i,
                f"{what} {_short(arr[i].as_py())} has more than {SCALE} decimal places "
                "(use --round up to round toward +infinity)",
            ) from None
        slow = many_dec if slow is None else (slow | many_dec)
        dec = pc.cast(pc.if_else(pa.array(slow), "0", arr), pa.decimal128(38, SCALE))
    if isinstance(dec, pa.ChunkedArray):
        dec = dec.combine_chunks()
    words = np.frombuffer(dec.buffers()[1], dtype=np.uint64)
    words = words[2 * dec.offset : 2 * (dec.offset + n)].reshape(n, 2)
    lo = words[:, 0].copy()
    hi = words[:, 1].view(np.int64).copy()
    if slow is not None:
        for i in np.flatnonzero(slow).tolist():
            text = arr[i].as_py()
            try:
                v = parse_decimal(text, SCALE, round_up, what)
            except ValueError as e:
                raise _RowError(i, str(e)) from None
            if not MIN_AMOUNT <= v <= MAX_AMOUNT:
                raise _RowError(i, f"{what} {_short(text)} is outside -2^127 <= b < 2^127 units")
            hi[i] = v >> 64
            lo[i] = v & ((1 << 64) - 1)
    return hi, lo


# ------------------------------------------------------------------- prices
def _price_units(text: str, path: str, line: int | None, asset: str) -> int:
    if text is None or text == "":
        raise SnapshotError(f"missing price for {asset}", path, line)
    try:
        v = parse_decimal(text, SCALE, False, what="price")
    except ValueError as e:
        raise SnapshotError(f"{e} for {asset}", path, line) from None
    if not 0 <= v <= MAX_PRICE:
        raise SnapshotError(
            f"price {_short(text)} for {asset} is outside 0 <= p < 2^64 (in 1e-8 USD)", path, line
        )
    return v


def _price_symbol(raw: str, seen: dict[str, int], path: str, line: int | None) -> str:
    try:
        sym = normalise_symbol(raw)
    except ValueError as e:
        raise SnapshotError(str(e), path, line) from None
    if sym in seen:
        how = "" if sym == raw else f" ({_short(raw)} upper-cased)"
        raise SnapshotError(f"duplicate asset {sym!r}{how}", path, line)
    return sym


def load_prices(path: str | os.PathLike) -> dict[str, int]:
    """Read a prices file; return ``{symbol: price in 1e-8 USD}`` in file order.

    CSV: header ``asset,price_usd``. JSON: one object ``{"BTC": "91234.5", ...}``;
    JSON numbers are accepted too and read from their exact text (never as floats).
    """
    path = str(path)
    if not os.path.exists(path):
        raise SnapshotError("no such file", path)
    out: dict[str, int] = {}
    if path.lower().endswith(".json"):
        try:
            data = read_bytes(path, PRICES_MAX_BYTES, "prices file")
        except JsonInputError as e:
            raise SnapshotError(e.reason, path) from None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if not data.strip():
            raise SnapshotError("empty file", path)
        obj = json_document(data, path, None, PRICES_MAX_BYTES)
        if not isinstance(obj, dict):
            raise SnapshotError('expected a JSON object {"SYMBOL": "price_usd", ...}', path)
        for k, v in obj.items():
            if not k:
                raise SnapshotError("empty asset symbol", path)
            sym = _price_symbol(k, out, path, None)
            if v is None:
                raise SnapshotError(f"missing price for {sym}", path)
            if not isinstance(v, str):
                raise SnapshotError(f"price for {sym} must be a decimal string", path)
            out[sym] = _price_units(v, path, None, sym)
    else:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise SnapshotError("empty file", path)
            cols = [h.strip() for h in header]
            for need in ("asset", "price_usd"):
                if need not in cols:
                    raise SnapshotError(
                        f"missing column {need!r} (expected asset,price_usd)", path, 1
                    )
            ia, ip = cols.index("asset"), cols.index("price_usd")
            for row in reader:
                line = reader.line_num
                if not row or all(c == "" for c in row):
                    continue
                if len(row) != len(cols):
                    raise SnapshotError(f"expected {len(cols)} fields, got {len(row)}", path, line)
                if not row[ia]:
                    raise SnapshotError("empty asset symbol", path, line)
                sym = _price_symbol(row[ia], out, path, line)
                out[sym] = _price_units(row[ip], path, line, sym)
    if not out:
        raise SnapshotError("no prices (header only?)", path)
    if len(out) > 1 << 16:
        raise SnapshotError("more than 2^16 assets", path)
    return out


# ------------------------------------------------------------------ readers
class _Progress:
    """A rich progress bar over a byte or row count (no-op when disabled)."""

    def __init__(self, enabled: bool, total: int, label: str):
        self.enabled = enabled
        self._p = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._p = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._p.start()
            self._task = self._p.add_task(label, total=max(total, 1))

    def update(self, completed: int) -> None:
        if self._p is not None:
            self._p.update(self._task, completed=completed)

    def describe(self, label: str) -> None:
        if self._p is not None:
            self._p.update(self._task, description=label)

    def close(self) -> None:
        if self._p is not None:
            self._p.stop()
            self._p = None


def _csv_header(path: str) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        first = f.readline()
    if not first.strip():
        raise SnapshotError("empty file", path)
    header = next(csv.reader([first]))
    return header


def _check_columns(cols: list[str], path: str, line: int | None, prices: dict[str, int]):
    """Layout from the column names: ('long', None, names) or ('wide', asset columns, names).

    ``names`` are the columns as read: wide asset columns with their symbols normalised
    (a-z upper-cased), so ``btc`` and ``BTC`` are the same column (an error if both).
    """
    seen: set[str] = set()
    for c in cols:
        if c in seen:
            raise SnapshotError(f"duplicate column {c!r}", path, line)
        seen.add(c)
    if "uid" not in seen:
        raise SnapshotError("missing column 'uid'", path, line)
    if "asset" in seen or "amount" in seen:
        for need in ("asset", "amount"):
            if need not in seen:
                raise SnapshotError(
                    f"missing column {need!r} (long layout uid,asset,amount)", path, line
                )
        extra = [c for c in cols if c not in ("uid", "asset", "amount")]
        if extra:
            raise SnapshotError(f"unexpected column {extra[0]!r} in the long layout", path, line)
        return "long", None, list(cols)
    names, first = [], {}
    for c in cols:
        if c == "uid":
            names.append(c)
            continue
        try:
            sym = normalise_symbol(c)
        except ValueError as e:
            raise SnapshotError(f"column {_short(c)}: {e}", path, line) from None
        if sym in first:
            raise SnapshotError(
                f"duplicate column {sym!r} ({_short(first[sym])} and {_short(c)})", path, line
            )
        if sym not in prices:
            raise SnapshotError(f"unknown asset {_short(c)} (not in the prices)", path, line)
        first[sym] = c
        names.append(sym)
    if not first:
        raise SnapshotError("no asset columns (wide layout uid,<ASSET>,...)", path, line)
    return "wide", list(first), names


def _locate_csv_error(path: str, ncols: int) -> tuple[int | None, str]:
    """Error path only: find the first structurally bad CSV line with the csv module."""
    with open(path, newline="", encoding="utf-8-sig", errors="strict") as f:
        reader = csv.reader(f, strict=True)
        try:
            for row in reader:
                if reader.line_num == 1:
                    continue
                if len(row) != ncols:
                    return reader.line_num, f"expected {ncols} fields, got {len(row)}"
        except (csv.Error, UnicodeDecodeError) as e:
            return reader.line_num or None, f"unreadable CSV: {e}"
    return None, ""


def _iter_csv(path: str, prices: dict[str, int], progress: _Progress):
    layout, assets, header = _check_columns(_csv_header(path), path, 1, prices)
    ncols = len(header)
    read_opts = pacsv.ReadOptions(
        column_names=header, skip_rows=1, block_size=_CSV_BLOCK, use_threads=True
    )
    parse_opts = pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=False)
    conv_opts = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
        check_utf8=True,
    )

    def gen():
        row0 = 0
        with pa.OSFile(path, "rb") as f:
            try:
                reader = pacsv.open_csv(
                    f, read_options=read_opts, parse_options=parse_opts, convert_options=conv_opts
                )
                for batch in reader:
                    yield batch, row0
                    row0 += batch.num_rows
                    progress.update(f.tell())
            except pa.ArrowInvalid as e:
                if "Empty CSV file" in str(e):
                    return
                line, reason = _locate_csv_error(path, ncols)
                raise SnapshotError(reason or f"unreadable CSV: {e}", path, line) from None

    return layout, assets, gen(), (lambda row: row + 2)


def _arrow_type_ok(t: pa.DataType, col: str, path: str) -> None:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return
    if pa.types.is_integer(t) or pa.types.is_decimal(t):
        return
    if pa.types.is_null(t):
        return
    raise SnapshotError(
        f"column {col!r} has type {t}; amounts must be decimal strings "
        "(or exact integer/decimal types), never floating point",
        path,
    )


def _as_string(arr):
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_string(t):
        return arr
    return pc.cast(arr, pa.string())


def _iter_parquet(path: str, prices: dict[str, int], progress: _Progress):
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as e:
        raise SnapshotError(f"not a readable Parquet file: {e}", path) from None
    cols = pf.schema_arrow.names
    layout, assets, names = _check_columns(list(cols), path, None, prices)
    rename = dict(zip(cols, names, strict=True))
    for name in cols:
        _arrow_type_ok(pf.schema_arrow.field(name).type, name, path)
    total = pf.metadata.num_rows

    def gen():
        row0 = 0
        try:
            for batch in pf.iter_batches(batch_size=_BATCH_ROWS):
                arrays = [_as_string(batch.column(i)) for i in range(batch.num_columns)]
                batch_names = [rename[n] for n in batch.schema.names]
                yield pa.RecordBatch.from_arrays(arrays, names=batch_names), row0
                row0 += batch.num_rows
                progress.update(row0)
        except pa.ArrowInvalid as e:
            raise SnapshotError(f"unreadable Parquet: {e}", path) from None

    progress.describe("reading parquet rows")
    progress._total_hint = total  # noqa: SLF001 (for callers that want it)
    return layout, assets, gen(), (lambda row: row + 1)


def _jsonl_lines_of_rows(path: str) -> list[int]:
    """Error path only: physical line numbers of the non-blank lines."""
    out = []
    with open(path, "rb") as f:
        for ln, raw in enumerate(f, start=1):
            if raw.strip():
                out.append(ln)
    return out


def _jsonl_object(raw: bytes, path: str, line: int):
    """One line of a snapshot in JSON lines (where numbers are errors, so not kept as text)."""
    return json_document(raw, path, line, LINE_MAX_BYTES, exact=False)


def _locate_jsonl_error(
    path: str, layout: str, prices: dict[str, int], variants: dict[str, str]
) -> tuple[int | None, str]:
    """Error path only: re-read line by line to find the first bad line and why."""
    allowed = {"uid", "asset", "amount"} if layout == "long" else {"uid", *prices, *variants}
    with open(path, "rb") as f:
        for ln, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                obj = _jsonl_object(raw, path, ln)
            except SnapshotError as e:
                return ln, f"invalid JSON: {e.reason}"
            if not isinstance(obj, dict):
                return ln, "expected a JSON object"
            for k, v in obj.items():
                if k not in allowed:
                    if layout == "long":
                        return ln, f"unexpected field {_short(k)} in the long layout"
                    return ln, _wide_key_problem(k, prices)
                if v is not None and not isinstance(v, str):
                    return (
                        ln,
                        f"field {_short(k)} must be a JSON string (decimal text), got {_short(v)}",
                    )
    return None, ""


def _wide_key_problem(key: str, prices: dict[str, int]) -> str:
    try:
        sym = normalise_symbol(key)
    except ValueError as e:
        return str(e)
    if sym in prices:
        return (
            f"asset key {_short(key)}: write {sym!r} or {sym.lower()!r} "
            "(mixed case is read only on the first line)"
        )
    return f"unknown asset {_short(key)} (not in the prices)"


def _iter_jsonl(path: str, prices: dict[str, int], progress: _Progress):
    first = None
    first_line = 0
    with open(path, "rb") as f:
        for ln, raw in enumerate(f, start=1):
            if raw.strip():
                first, first_line = raw, ln
                break
    if first is None:
        raise SnapshotError("empty file", path)
    try:
        obj = _jsonl_object(first, path, first_line)
    except SnapshotError as e:
        raise SnapshotError(f"invalid JSON: {e.reason}", path, first_line) from None
    if not isinstance(obj, dict):
        raise SnapshotError("expected a JSON object per line", path, first_line)
    keys = list(obj)
    variants: dict[str, str] = {}  # wide layout: key as written -> symbol
    if "asset" in keys or "amount" in keys:
        layout = "long"
        names = ["uid", "asset", "amount"]
        _check_columns(
            keys + [k for k in names if k not in keys and k != "uid"], path, first_line, prices
        )
    else:
        layout = "wide"
        if "uid" not in keys:
            raise SnapshotError("missing field 'uid'", path, first_line)
        _check_columns(keys, path, first_line, prices)  # symbols, collisions, unknown assets
        variants = {s.lower(): s for s in prices if s.lower() != s}
        variants.update({k: k.upper() for k in keys if k != "uid" and k not in prices})
        names = ["uid", *prices, *variants]
    schema = pa.schema([(n, pa.string()) for n in names])
    parse_opts = pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    read_opts = pajson.ReadOptions(block_size=_CSV_BLOCK, use_threads=True)
    assets = list(prices) if layout == "wide" else None
    lines_cache: list[list[int]] = []

    def row_to_line(row: int) -> int | None:
        if not lines_cache:
            lines_cache.append(_jsonl_lines_of_rows(path))
        lines = lines_cache[0]
        return lines[row] if row < len(lines) else None

    def merge_variants(batch: pa.RecordBatch, row0: int) -> pa.RecordBatch:
        """Fold the columns of keys written in another case into their symbol's column."""
        cols = {n: batch.column(n) for n in batch.schema.names}
        for key, sym in variants.items():
            if key not in cols:
                continue
            a, b = cols[sym], cols.pop(key)
            both = pc.and_(pc.is_valid(a), pc.is_valid(b))
            if pc.any(both).as_py():
                i = _first_true(_to_bool_np(both))
                raise SnapshotError(
                    f"asset {sym} given twice (as {_short(key)} and in another case)",
                    path,
                    row_to_line(row0 + i),
                )
            cols[sym] = pc.coalesce(a, b)
        return pa.RecordBatch.from_arrays(list(cols.values()), names=list(cols))

    def gen():
        row0 = 0
        with pa.OSFile(path, "rb") as f:
            try:
                reader = pajson.open_json(f, read_options=read_opts, parse_options=parse_opts)
                for batch in reader:
                    yield (merge_variants(batch, row0) if variants else batch), row0
                    row0 += batch.num_rows
                    progress.update(f.tell())
            except pa.ArrowInvalid as e:
                line, reason = _locate_jsonl_error(path, layout, prices, variants)
                raise SnapshotError(reason or f"unreadable JSON lines: {e}", path, line) from None

    return layout, assets, gen(), row_to_line


# ----------------------------------------------------------------- assembly
def _check_uids(uid: pa.Array) -> None:
    if uid.null_count:
        raise _RowError(_first_true(_to_bool_np(uid.is_null())), "missing uid")
    empty = pc.equal(pc.utf8_length(uid), 0)
    if pc.any(empty).as_py():
        raise _RowError(_first_true(_to_bool_np(empty)), "empty uid")


def _dictionary_codes(chunks: list[pa.Array]) -> tuple[np.ndarray, list[str]]:
    """First-appearance dictionary codes (int64) of the concatenated uid column."""
    if not chunks:
        return np.zeros(0, np.int64), []
    arr = pa.concat_arrays(chunks) if len(chunks) > 1 else chunks[0]
    enc = pc.dictionary_encode(arr)
    codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return codes, enc.dictionary.to_pylist()


def load_snapshot(
    path: str | os.PathLike,
    prices: dict[str, int],
    round_up: bool = False,
    progress: bool = False,
) -> Snapshot:
    """Read a snapshot file (layout and format detected) into a validated Snapshot.

    Asset order is the order of ``prices``. Users appear in order of first
    appearance in the file; a user's entries are sorted by asset index. Zero
    amounts make no entry (a user whose rows are all zero has zero entries).
    """
    path = str(path)
    if not os.path.exists(path):
        raise SnapshotError("no such file", path)
    if not prices:
        raise SnapshotError("no prices given", path)
    symbols = list(prices)
    price_list = [int(prices[s]) for s in symbols]
    ext = Path(path).suffix.lower()
    size = os.path.getsize(path)
    if size == 0:
        raise SnapshotError("empty file", path)
    bar = _Progress(progress, size, f"reading {Path(path).name}")
    try:
        if ext in CSV_EXT:
            layout, assets, batches, row_to_line = _iter_csv(path, prices, bar)
        elif ext in PARQUET_EXT:
            layout, assets, batches, row_to_line = _iter_parquet(path, prices, bar)
            if bar._p is not None:
                bar._p.update(bar._task, total=max(bar._total_hint, 1))  # noqa: SLF001
        elif ext in JSONL_EXT:
            layout, assets, batches, row_to_line = _iter_jsonl(path, prices, bar)
        else:
            raise SnapshotError(
                f"unknown file type {ext!r} (expected .csv, .parquet, .jsonl or .ndjson)", path
            )
        if layout == "long":
            snap = _assemble_long(path, symbols, price_list, batches, row_to_line, round_up, bar)
        else:
            snap = _assemble_wide(
                path, symbols, price_list, assets, batches, row_to_line, round_up, bar
            )
    finally:
        bar.close()
    return snap


def _asset_problem(a: str) -> str:
    if a == "":
        return "empty asset"
    try:
        normalise_symbol(a)
    except ValueError as e:
        return str(e)
    return f"unknown asset {_short(a)} (not in the prices)"


def _assemble_long(path, symbols, price_list, batches, row_to_line, round_up, bar) -> Snapshot:
    sym_arr = pa.array(symbols, pa.string())
    uid_chunks: list[pa.Array] = []
    asset_chunks: list[np.ndarray] = []
    hi_chunks: list[np.ndarray] = []
    lo_chunks: list[np.ndarray] = []
    nrows = 0
    for batch, row0 in batches:
        if batch.num_rows == 0:
            continue
        uid = _as_string(batch.column("uid"))
        asset = _as_string(batch.column("asset"))
        amount = _as_string(batch.column("amount"))
        try:
            _check_uids(uid)
            if asset.null_count:
                raise _RowError(_first_true(_to_bool_np(asset.is_null())), "missing asset")
            idx = pc.index_in(pc.ascii_upper(asset), value_set=sym_arr)
            if idx.null_count:
                i = _first_true(_to_bool_np(idx.is_null()))
                raise _RowError(i, _asset_problem(asset[i].as_py()))
            hi, lo = parse_amount_array(amount, round_up)
        except _RowError as e:
            raise SnapshotError(e.reason, path, row_to_line(row0 + e.row)) from None
        uid_chunks.append(uid)
        asset_chunks.append(idx.to_numpy(zero_copy_only=False).astype(np.int32, copy=False))
        hi_chunks.append(hi)
        lo_chunks.append(lo)
        nrows += batch.num_rows
    if nrows == 0:
        raise SnapshotError("no data rows (empty file or header only)", path)
    bar.describe("grouping users")
    codes, uids = _dictionary_codes(uid_chunks)
    del uid_chunks
    asset = np.concatenate(asset_chunks)
    hi = np.concatenate(hi_chunks)
    lo = np.concatenate(lo_chunks)
    del asset_chunks, hi_chunks, lo_chunks
    A = len(symbols)
    key = codes * np.int64(A) + asset
    order = np.argsort(key, kind="stable")
    skey = key[order]
    del key
    dup = skey[1:] == skey[:-1]
    if dup.any():
        pos = np.flatnonzero(dup)
        rows = order[pos + 1]
        k = int(np.argmin(rows))
        row = int(rows[k])
        first = int(order[pos[k]])
        # the earliest first occurrence of that key (stable sort keeps file order)
        j = int(pos[k])
        while j > 0 and skey[j - 1] == skey[j]:
            j -= 1
            first = int(order[j])
        u = uids[int(codes[row])]
        raise SnapshotError(
            f"duplicate entry for uid {_short(u)} and asset {symbols[int(asset[row])]} "
            f"(first at line {row_to_line(first)})",
            path,
            row_to_line(row),
        )
    del skey
    nonzero = (hi[order] != 0) | (lo[order] != 0)
    order = order[nonzero]
    counts = np.bincount(codes[order], minlength=len(uids))
    offsets = np.zeros(len(uids) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    snap = Snapshot(
        symbols=symbols,
        prices=price_list,
        uids=uids,
        offsets=offsets,
        asset=np.ascontiguousarray(asset[order], dtype=np.int32),
        amount_hi=np.ascontiguousarray(hi[order]),
        amount_lo=np.ascontiguousarray(lo[order]),
    )
    snap.validate()
    return snap


def _assemble_wide(path, symbols, price_list, assets, batches, row_to_line, round_up, bar):
    index = {s: j for j, s in enumerate(symbols)}
    uid_chunks: list[pa.Array] = []
    count_chunks: list[np.ndarray] = []
    asset_chunks: list[np.ndarray] = []
    hi_chunks: list[np.ndarray] = []
    lo_chunks: list[np.ndarray] = []
    nrows = 0
    cols = sorted(assets, key=lambda s: index[s])  # entries come out in asset-index order
    col_asset = np.array([index[c] for c in cols], dtype=np.int32)
    for batch, row0 in batches:
        n = batch.num_rows
        if n == 0:
            continue
        names = batch.schema.names
        uid = _as_string(batch.column("uid"))
        his = np.zeros((n, len(cols)), dtype=np.int64)
        los = np.zeros((n, len(cols)), dtype=np.uint64)
        try:
            _check_uids(uid)
            for k, c in enumerate(cols):
                if c not in names:
                    continue
                col = _as_string(batch.column(c))
                col = pc.if_else(pc.or_kleene(pc.is_null(col), pc.equal(col, "")), "0", col)
                hi, lo = parse_amount_array(col, round_up, what=f"{c} amount")
                his[:, k] = hi
                los[:, k] = lo
        except _RowError as e:
            raise SnapshotError(e.reason, path, row_to_line(row0 + e.row)) from None
        nz = (his != 0) | (los != 0)
        r, k = np.nonzero(nz)  # row-major: user by user, asset columns in index order
        uid_chunks.append(uid)
        count_chunks.append(nz.sum(axis=1).astype(np.int64))
        asset_chunks.append(col_asset[k])
        hi_chunks.append(his[r, k])
        lo_chunks.append(los[r, k])
        nrows += n
    if nrows == 0:
        raise SnapshotError("no data rows (empty file or header only)", path)
    bar.describe("checking uids")
    codes, uids = _dictionary_codes(uid_chunks)
    if len(uids) != nrows:
        prev_max = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
        repeat = codes <= prev_max
        row = _first_true(repeat)
        first = int(np.flatnonzero(codes == codes[row])[0])
        raise SnapshotError(
            f"duplicate uid {_short(uids[int(codes[row])])} (first at line {row_to_line(first)})",
            path,
            row_to_line(row),
        )
    counts = np.concatenate(count_chunks)
    offsets = np.zeros(nrows + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    snap = Snapshot(
        symbols=symbols,
        prices=price_list,
        uids=uids,
        offsets=offsets,
        asset=np.concatenate(asset_chunks).astype(np.int32, copy=False),
        amount_hi=np.concatenate(hi_chunks),
        amount_lo=np.concatenate(lo_chunks),
    )
    snap.validate()
    return snap


# ------------------------------------------------------------------ writers
def _decimal_strings_int64(v: np.ndarray) -> pa.Array:
    """Exact decimal text (coins) of int64 amounts in 1e-8 coin, vectorised."""
    neg = v < 0
    mag = np.abs(v.astype(np.int64)).astype(np.uint64)  # |INT64_MIN| is exact in uint64
    q = (mag // np.uint64(UNIT)).astype(np.uint64)
    r = (mag % np.uint64(UNIT)).astype(np.uint64)
    qs = pc.cast(pa.array(q), pa.string())
    rs = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(pa.array(r), pa.string()), SCALE, "0"), "0")
    frac = pc.if_else(pa.array(r == 0), "", pc.binary_join_element_wise(".", rs, ""))
    sign = pc.if_else(pa.array(neg), "-", "")
    return pc.binary_join_element_wise(sign, qs, frac, "")


def amounts_as_text(snap: Snapshot) -> pa.Array:
    """Decimal text in coins of every entry amount (exact; wide amounts via Python)."""
    narrow = snap.amount_hi == (snap.amount_lo.view(np.int64) >> np.int64(63))
    if narrow.all():
        return _decimal_strings_int64(snap.amount_lo.view(np.int64))
    text = _decimal_strings_int64(np.where(narrow, snap.amount_lo.view(np.int64), 0)).to_pylist()
    for i in np.flatnonzero(~narrow).tolist():
        text[i] = format_decimal(snap.amount(i))
    return pa.array(text, pa.string())


def write_snapshot_csv(snap: Snapshot, path: str | os.PathLike) -> None:
    """Write the long CSV ``uid,asset,amount`` atomically (users in snapshot order).

    A user with zero entries gets one row ``uid,<first asset>,0`` so that the user
    survives a round trip (zero amounts make no entry but keep the user).
    """
    counts = np.diff(snap.offsets)
    rows_per_user = np.maximum(counts, 1)
    n_rows = int(rows_per_user.sum())
    uid_idx = np.repeat(np.arange(snap.n_users, dtype=np.int64), rows_per_user)
    start = np.zeros(snap.n_users, dtype=np.int64)
    np.cumsum(rows_per_user[:-1], out=start[1:])
    owner = snap.user_of_entry()
    pos = start[owner] + (np.arange(snap.n_entries, dtype=np.int64) - snap.offsets[owner])
    asset_col = np.zeros(n_rows, dtype=np.int64)
    asset_col[pos] = snap.asset
    text = amounts_as_text(snap)
    if n_rows != snap.n_entries:
        full = np.full(n_rows, -1, dtype=np.int64)
        full[pos] = np.arange(snap.n_entries)
        text = pc.if_else(pa.array(full < 0), "0", text.take(pa.array(np.maximum(full, 0))))
    uid_col = pa.array(snap.uids, pa.string()).take(pa.array(uid_idx))
    sym_col = pa.array(snap.symbols, pa.string()).take(pa.array(asset_col))
    table = pa.table({"uid": uid_col, "asset": sym_col, "amount": text})
    _write_csv_table(table, path)


def _write_csv_table(table: pa.Table, path: str | os.PathLike) -> None:
    """Atomic CSV write; quotes only when some string column needs quoting."""
    special = r'[,"\r\n]'
    needs = any(
        (
            pa.types.is_string(col.type)
            and len(col)
            and pc.any(pc.match_substring_regex(col, special)).as_py()
        )
        for col in table.columns
    ) or any(re.search(special, n) for n in table.column_names)
    style = "needed" if needs else "none"
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(table.column_names)
    opts = pacsv.WriteOptions(quoting_style=style, include_header=False)
    with atomic_path(path) as tmp, pa.OSFile(tmp, "wb") as f:
        f.write(header.getvalue().encode("utf-8"))
        pacsv.write_csv(table, f, write_options=opts)


def write_prices_csv(symbols, prices, path: str | os.PathLike) -> None:
    """Write ``asset,price_usd`` atomically (prices in 1e-8 USD -> exact decimal text)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["asset", "price_usd"])
        for s, p in zip(symbols, prices, strict=True):
            w.writerow([s, format_decimal(int(p))])


__all__ = [
    "SnapshotError",
    "amounts_as_text",
    "atomic_path",
    "format_decimal",
    "load_prices",
    "load_snapshot",
    "parse_amount_array",
    "parse_decimal",
    "write_prices_csv",
    "write_snapshot_csv",
]
