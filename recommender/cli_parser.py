"""The command line's argument parser: argparse's, except that arguments it does not know are
refused with what was probably meant ("--models goes before the command", "did you mean
--input FILE?") instead of the bare usage line."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path


class TrackfitParser(argparse.ArgumentParser):
    """An argument parser whose "unrecognized arguments" error says what to write instead."""

    def parse_args(self, args=None, namespace=None):
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(unrecognized(self, parsed, extras))
        return parsed


def unrecognized(parser: argparse.ArgumentParser, parsed, extras: list[str]) -> str:
    """argparse's message for arguments no option or command takes, with a hint for each that
    a person probably meant otherwise: a top-level option given after the command, or a file
    or pack named without the option that takes it."""
    command = getattr(parsed, "command", None)
    sub = _subcommand(parser, command)
    options = set(sub._option_string_actions) if sub else set()
    hints, words = [], iter(extras)
    for extra in words:
        option, equals, value = extra.partition("=")
        top = parser._option_string_actions.get(option) if option.startswith("-") else None
        if top is not None and top.nargs != 0:
            value = value if equals else next(words, None)  # its value, not a word of its own
            value = "…" if value is None else shlex.quote(value)
            hints.append(f"{option} goes before the command: trackfit {option} {value} {command} …")
        elif not extra.startswith("-"):
            hints += _named_without_option(extra, options)[:1]
    message = f"unrecognized arguments: {' '.join(extras)}"
    return "; ".join([message, *dict.fromkeys(hints)])


def _subcommand(parser: argparse.ArgumentParser, command: str | None):
    """The parser of the command given, if any."""
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        choices = getattr(action, "choices", None) or {}
        if command in choices:
            return choices[command]
    return None


def _named_without_option(word: str, options: set[str]) -> list[str]:
    """What a bare word was probably meant as, given the options of its command: a file the
    command reads (a file there is, or a word with a suffix or a folder), else a pack."""
    is_file = Path(word).is_file() or bool(Path(word).suffix) or "/" in word
    guesses = [
        (is_file and "--input" in options, "--input"),
        (is_file and "--data" in options, "--data"),
        ("--pack" in options and not is_file, "--pack"),
    ]
    return [f"did you mean {option} {word}?" for fits, option in guesses if fits]
