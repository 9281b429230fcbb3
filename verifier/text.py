"""Printing what came from input: every non-printable character is shown escaped.

Symbols, uids, snapshot ids, file names and error messages can carry ANSI escape codes,
bidirectional overrides or lone surrogates; printed raw they can rewrite an auditor's
terminal. Every CLI line goes through :func:`echo`; the browser page
(``zkpor.verifier.page``) applies :func:`printable` to everything it shows.
"""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with each non-printable character (but space) as a Python escape."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def echo(text: str = "", err: bool = False) -> None:
    """click.echo of each line of ``text``, escaped."""
    import click  # here, not at the top: the browser page imports printable without click

    click.echo("\n".join(printable(line) for line in text.split("\n")), err=err)
