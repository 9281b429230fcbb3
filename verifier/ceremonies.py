"""The public powers-of-tau ceremonies whose keys the verifier accepts by default.

A KZG opening check uses three points of the SRS: [1]_1, [1]_2 and [tau]_2. The
generators are py_ecc's BN254 generators (``zkpor.verifier.srs.parse_vk`` refuses any
other), and a ceremony's [tau]_2 is the same for every size cut from it: the
``powersOfTau28_hez_final_XX.ptau`` files are all cuts of one ceremony. So pinning
[tau]_2 pins the ceremony, whatever N the exchange uses.

Each pinned value was read from two independent public sources (recorded below) and is
checked on the curve and in the G2 subgroup by tests/test_trust.py. A key with another
[tau]_2 is refused unless the auditor supplies it (``--srs VK``, made with
``zkpor setup import`` from a ceremony file they obtained themselves).
"""

from __future__ import annotations

from dataclasses import dataclass

from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.optimized_bn128 import eq as point_eq

from zkpor.verifier.errors import VerificationError
from zkpor.verifier.srs import VerifierKey


@dataclass(frozen=True)
class Ceremony:
    """A pinned ceremony: its name, [tau]_2 as (x_c0, x_c1, y_c0, y_c1), and where it was read."""

    name: str
    tau_g2: tuple[int, int, int, int]
    sources: tuple[str, ...]

    def point(self) -> tuple:
        """[tau]_2 as a py_ecc optimized_bn128 point (x, y, z)."""
        x0, x1, y0, y1 = self.tau_g2
        return (FQ2([x0, x1]), FQ2([y0, y1]), FQ2.one())


HERMEZ = Ceremony(
    name="Hermez powersOfTau28_hez_final (snarkjs, 2^28 powers)",
    tau_g2=(
        21831381940315734285607113342023901060522397560371972897001948545212302161822,
        17231025384763736816414546592865244497437017442647097510447326538965263639101,
        2388026358213174446665280700919698872609886601280537296205114254867301080648,
        11507326595632554467052522095592665270651932854513688777769618397986436103170,
    ),
    sources=(
        # snarkjs PlonkVerifier (n = 2^16) set up with powersOfTau28_hez_final_16.ptau
        # (generate-plonk-setup.sh); constants X2x1, X2x2, X2y1, X2y2
        "github.com/kuco23/ZVote contracts/implementation/PlonkVerifier.sol",
        # snarkjs FflonkVerifier (n = 2^24) of the ceremony's own team, "x·[1]_2"
        "github.com/0xPolygonHermez/zkevm-contracts contracts/verifiers/FflonkVerifier.sol",
    ),
)

CEREMONIES: tuple[Ceremony, ...] = (HERMEZ,)


def pinned_ceremony(tau_g2: tuple) -> Ceremony | None:
    """The pinned ceremony whose [tau]_2 is ``tau_g2``, if any."""
    for ceremony in CEREMONIES:
        if point_eq(tau_g2, ceremony.point()):
            return ceremony
    return None


def key_origin(vk: VerifierKey, *, own_key: bool, allow_insecure: bool) -> str:
    """Where the key comes from, or VerificationError if the verifier may not trust it.

    A development SRS (known tau) only with ``allow_insecure``; otherwise a pinned
    ceremony's [tau]_2, or a key the auditor supplied (``own_key``). A key published
    beside the proof proves nothing by itself: whoever knows its tau can forge proofs.
    """
    if vk.insecure:
        if not allow_insecure:
            raise VerificationError(
                "the key is an INSECURE development SRS (known tau): refused without --allow-insecure"
            )
        return "INSECURE development SRS (known tau): this proof proves nothing"
    ceremony = pinned_ceremony(vk.tau_g2)
    if ceremony is not None:
        return f"ceremony {ceremony.name}"
    if own_key:
        return f"your own key ({vk.source}), [tau]_2 of no pinned ceremony"
    raise VerificationError(
        "the key's [tau]_2 is from no ceremony zkpor pins: verify with --srs VK, a key you "
        "made yourself with `zkpor setup import` from the ceremony file"
    )
