"""The command line's argument parser: argparse's, except that arguments it does not know are
refused with what was probably meant ("--models goes before the command", "did you mean
--input FILE?") instead of the bare usage line, and that every value it cannot read is named
in one pass (argparse stops at the first). A hint is given only where the word says what
it is (a file there is or with a file's suffix, a pack installed or a pack's folder) and the
option it belongs to is not given already; otherwise none rather than a wrong one."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from pathlib import Path
from typing import ClassVar

# What a word written without its option most likely is, by the option that takes it.
FILE_SUFFIXES = {
    "--input": (".jsonl", ".json", ".ndjson"),
    "--data": (".csv",),
    "--out": (".csv",),
}
REQUIRED = re.compile(r"the following arguments are required: (.*)")
# what an option's value is while the rest of the line is read, when it could not be read
REFUSED = object()


class TrackfitParser(argparse.ArgumentParser):
    """An argument parser whose "unrecognized arguments" error says what to write instead."""

    words: ClassVar[list[str]] = []  # the command line being read, for a command's errors

    def parse_args(self, args=None, namespace=None):
        TrackfitParser.words = list(args) if args is not None else sys.argv[1:]
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(unrecognized(self, parsed, extras))
        return parsed

    def parse_known_args(self, args=None, namespace=None):
        """argparse's, except that a value it cannot read is kept to be named with every
        other one, once the whole line is read."""
        self.refused: list[str] = []
        parsed, extras = super().parse_known_args(args, namespace)
        if self.refused:
            self.error(None)
        return parsed, extras

    def _get_value(self, action, arg_string):
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as refused:
            self.refused.append(str(refused))
            return REFUSED

    def _check_value(self, action, value):
        if value is not REFUSED:  # named already; not "an invalid choice" besides
            super()._check_value(action, value)

    def error(self, message: str | None):
        """argparse's error, after every value that could not be read, with the option a
        required one was probably given without."""
        said = list(getattr(self, "refused", []))
        if message is not None:
            missing = REQUIRED.match(message)
            if missing:
                hints = _required_hints(self, missing.group(1).split(", "))
                message = "; ".join([message, *hints])
            said.append(message)
        super().error("; ".join(said))


def unrecognized(parser: argparse.ArgumentParser, parsed, extras: list[str]) -> str:
    """argparse's message for arguments no option or command takes, with a hint for each that
    a person probably meant otherwise: a top-level option given after the command, or a file
    or pack named without the option that takes it."""
    command = getattr(parsed, "command", None)
    sub = _subcommand(parser, command)
    hints, words = [], iter(extras)
    for extra in words:
        option, equals, value = extra.partition("=")
        top = _top_level_option(parser, option) if option.startswith("-") else None
        if top is not None:
            value = value if equals else next(words, None)  # its value, not a word of its own
            value = "…" if value is None else shlex.quote(value)
            hints.append(f"{top} goes before the command: trackfit {top} {value} {command} …")
        elif not extra.startswith("-") and sub is not None:
            hints += [
                f"did you mean {option} {extra}?" for option in _options_for(extra, sub, parsed)
            ][:1]
    message = f"unrecognized arguments: {' '.join(extras)}"
    return "; ".join([message, *dict.fromkeys(hints)])


def _top_level_option(parser: argparse.ArgumentParser, written: str) -> str | None:
    """The top-level option (one taking a value) that `written` is, or a unique start of, as
    argparse itself would read it before the command."""
    options = [
        name
        for name, action in parser._option_string_actions.items()
        if action.nargs != 0 and name.startswith("--")
    ]
    matches = [name for name in options if name == written or name.startswith(written)]
    return matches[0] if len(matches) == 1 and len(written) > 2 else None


def _subcommand(parser: argparse.ArgumentParser, command: str | None):
    """The parser of the command given, if any."""
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        choices = getattr(action, "choices", None) or {}
        if command in choices:
            return choices[command]
    return None


def _options_for(word: str, sub: argparse.ArgumentParser, parsed=None) -> list[str]:
    """The options of a command a bare word could be the value of, by what the word is: a
    file (one there is, or with the option's file suffix) or a pack (a folder holding
    pack.yaml, or the name of an installed one); none already given."""
    from recommender.pack.loading import packs_dir  # noqa: PLC0415 (only on a mistake)

    path = Path(word)
    # os.path's tests: a word longer than a file's name may be is no file, where Path's raise
    is_file, is_dir = os.path.isfile(path), os.path.isdir(path)
    fits = [
        option
        for option, suffixes in FILE_SUFFIXES.items()
        if is_file or (path.suffix.lower() in suffixes and not is_dir)
    ]
    if os.path.isfile(path / "pack.yaml") or (
        re.fullmatch(r"[a-z0-9][a-z0-9_-]*", word)
        and os.path.isfile(packs_dir() / word / "pack.yaml")
    ):
        fits.append("--pack")
    actions = sub._option_string_actions
    return [
        option
        for option in fits
        if option in actions and (parsed is None or getattr(parsed, actions[option].dest) is None)
    ]


def _required_hints(sub: argparse.ArgumentParser, missing: list[str]) -> list[str]:
    """For each required option not given, the word of the command line that was probably
    meant as its value."""
    hints = []
    for option in missing:
        for word in TrackfitParser.words:
            if not word.startswith("-") and option in _options_for(word, sub):
                hints.append(f"did you mean {option} {word}?")
                break
    return hints
