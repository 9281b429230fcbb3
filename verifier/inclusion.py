"""A user's inclusion check (PROTOCOL.md section 6), pure Python.

The inclusion file holds what only the user and the exchange know: uid, salt and
balances, plus the leaf index and Merkle path. The user recomputes their mask and
fingerprint with rho from the verified proof and checks the path to the statement's root.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from zkpor.circuits.haircuts import HaircutSummary, haircut_summary
from zkpor.verifier.amounts import format_units, parse_units
from zkpor.verifier.errors import InputError, VerificationError
from zkpor.verifier.fingerprint import SALT_BYTES, fingerprint, user_mask
from zkpor.verifier.merkle import root_from_path
from zkpor.verifier.public import Checked, PublicFolder
from zkpor.verifier.verify import Verified

FORMAT = "zkpor-inclusion"
VERSION = 1


@dataclass(frozen=True)
class InclusionRecord:
    snapshot_id: str
    uid: str
    salt: bytes
    balances: tuple[tuple[str, int], ...]
    """(symbol, amount in 1e-8 coin)."""
    leaf_index: int
    merkle_path: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "snapshot_id": self.snapshot_id,
            "uid": self.uid,
            "salt": self.salt.hex(),
            "balances": [
                {"asset": sym, "amount": format_units(units)} for sym, units in self.balances
            ],
            "leaf_index": self.leaf_index,
            "merkle_path": [h.hex() for h in self.merkle_path],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    @classmethod
    def loads(cls, text: str) -> InclusionRecord:
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT or data.get("version") != VERSION:
                raise VerificationError("not a zkpor inclusion file (format or version)")
            salt = bytes.fromhex(data["salt"])
            if len(salt) != SALT_BYTES:
                raise VerificationError(f"salt must be {SALT_BYTES} bytes")
            path = tuple(bytes.fromhex(h) for h in data["merkle_path"])
            if any(len(h) != 32 for h in path):
                raise VerificationError("every Merkle path node must be 32 bytes")
            balances = tuple(
                (str(b["asset"]), parse_units(str(b["amount"]))) for b in data["balances"]
            )
            leaf = data["leaf_index"]
            if isinstance(leaf, bool) or not isinstance(leaf, int):
                raise VerificationError("leaf_index must be an integer")
            return cls(str(data["snapshot_id"]), str(data["uid"]), salt, balances, leaf, path)
        except json.JSONDecodeError as exc:
            raise VerificationError(f"inclusion file is not valid JSON: {exc}") from None
        except KeyError as exc:
            raise VerificationError(f"inclusion file lacks field {exc.args[0]!r}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise VerificationError(f"inclusion file is malformed: {exc}") from None


@dataclass(frozen=True)
class InclusionResult:
    uid: str
    balances: tuple[tuple[str, int, int], ...]
    """(symbol, amount in 1e-8 coin, price in 1e-8 USD)."""
    equity: int
    """Net equity at the published prices, in 1e-16 USD."""
    leaf_index: int
    haircut: HaircutSummary | None = None
    """With tier tables (statement version 2): collateral after haircuts, debt and their
    difference, in 1e-16 USD x percent (PROTOCOL.md section 9), from the same function the
    verifier builds the tier table with."""


def check_inclusion(record: InclusionRecord, verified: Verified) -> InclusionResult:
    """Raise VerificationError unless the user's data hashes to a leaf of the verified F."""
    st = verified.statement
    if record.snapshot_id != st.snapshot_id:
        raise VerificationError(
            f"inclusion file is for snapshot {record.snapshot_id!r}, "
            f"the proof for {st.snapshot_id!r}"
        )
    index = {a.symbol: j for j, a in enumerate(st.assets)}
    seen: set[str] = set()
    entries, rows = [], []
    for symbol, units in record.balances:
        if symbol not in index:
            raise VerificationError(f"asset {symbol!r} is not in the published statement")
        if symbol in seen:
            raise VerificationError(f"asset {symbol!r} appears twice in the inclusion file")
        seen.add(symbol)
        j = index[symbol]
        entries.append((j, units))
        rows.append((symbol, units, st.assets[j].price))
    fp = fingerprint(
        user_mask(record.snapshot_id, record.salt, record.uid), entries, verified.challenges["rho"]
    )
    if not 0 <= record.leaf_index < st.n_u or verified.fingerprints[record.leaf_index] != fp:
        raise VerificationError("your fingerprint is not in the published list at your leaf index")
    if root_from_path(fp, record.leaf_index, record.merkle_path) != st.merkle_root:
        raise VerificationError("your Merkle path does not lead to the published root")
    equity = sum(units * price for _, units, price in rows)
    haircut = None
    if st.version == 2:
        haircut = haircut_summary(
            entries, [a.price for a in st.assets], [a.tiers for a in st.assets]
        )
    return InclusionResult(record.uid, tuple(rows), equity, record.leaf_index, haircut)


@dataclass(frozen=True)
class UserCheck:
    """A user's whole check: the verified folder, their inclusion, whether the uid was compared."""

    checked: Checked
    result: InclusionResult
    record: InclusionRecord
    uid_checked: bool


def check_user(
    folder: PublicFolder, inclusion: bytes, uid: str | None, allow_insecure: bool = False,
    name: str = "inclusion file",
) -> UserCheck:  # fmt: skip
    """Bytes in: verify the published folder, then the user's inclusion file against it.

    ``uid`` is what the user typed; it must equal the file's uid (a file handed to the
    wrong user, with identical balances, would otherwise pass). ``None`` skips the
    comparison, and the result says so.
    """
    try:
        record = InclusionRecord.loads(inclusion.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    except VerificationError as exc:
        raise InputError(f"{name}: {exc}") from None
    if uid is not None and uid != record.uid:
        raise VerificationError(
            f"the file is for uid {record.uid!r}, not the uid you gave ({uid!r})"
        )
    checked = folder.check(allow_insecure)
    result = check_inclusion(record, checked.verified)
    return UserCheck(checked, result, record, uid is not None)
