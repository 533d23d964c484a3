"""The `trackfit` command line: one entry point, user mistakes as messages and exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from recommender.answers import read_answers_jsonl
from recommender.errors import AnswersInvalid, TrackfitError
from recommender.pack import load_pack, resolve_pack_path
from recommender.schema import pack_schema
from recommender.scoring import score_many

EXIT_OK, EXIT_USAGE = 0, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 ok, 2 invalid input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except TrackfitError as error:
        print(error.report(), file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); not an error of ours
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="trackfit",
        description="Self-assessment and track-fit recommendations for parallel career ladders.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = _command(
        commands, "validate", "check a pack; exit 0, or 2 listing every problem", run_validate
    )
    validate.add_argument("pack", nargs="?", help="pack folder or name (default: engineering)")

    schema = _command(
        commands,
        "schema",
        "print a pack's items, constructs, competencies, context fields, tracks and levels as JSON",
        run_schema,
    )
    schema.add_argument("--pack", help="pack folder or name (default: engineering)")

    score = _command(commands, "score", "score answers JSONL into profiles JSONL", run_score)
    score.add_argument("--pack", help="pack folder or name (default: engineering)")
    score.add_argument("--input", type=Path, help="answers JSONL file (default: stdin)")
    return parser


def _command(commands, name: str, help_text: str, run: Callable) -> argparse.ArgumentParser:
    command = commands.add_parser(name, help=help_text, description=help_text)
    command.set_defaults(run=run)
    return command


def run_validate(args: argparse.Namespace) -> int:
    """`trackfit validate [PACK]`."""
    pack = load_pack(args.pack)
    questionnaire = pack.questionnaire
    print(
        f"{resolve_pack_path(args.pack)}: pack {pack.ref} is valid: "
        f"{len(questionnaire.items)} items in {len(questionnaire.sections)} sections, "
        f"{len(questionnaire.constructs)} constructs, "
        f"{len(pack.framework.competencies)} competencies, {len(pack.framework.levels)} levels, "
        f"{len(pack.rules.rules)} rules"
    )
    return EXIT_OK


def run_schema(args: argparse.Namespace) -> int:
    """`trackfit schema [--pack P]`."""
    json.dump(pack_schema(load_pack(args.pack)), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def run_score(args: argparse.Namespace) -> int:
    """`trackfit score [--pack P] [--input F]`: every line checked before anything is written."""
    pack = load_pack(args.pack)
    with _open_input(args.input) as (stream, name):
        try:
            people = list(read_answers_jsonl(stream, pack, name))
        except UnicodeDecodeError as error:
            raise AnswersInvalid(f"{name}: is not UTF-8 text (byte {error.start})") from None
    _write_jsonl(sys.stdout, (profile.to_json() for profile in score_many(pack, people).profiles()))
    return EXIT_OK


class _open_input:  # noqa: N801 - used as a context manager like open()
    """stdin, or a named file opened as UTF-8 with a clear message when it cannot be."""

    def __init__(self, path: Path | None):
        self.path = path
        self.handle: TextIO | None = None

    def __enter__(self) -> tuple[TextIO, str]:
        if self.path is None:
            return sys.stdin, "stdin"
        try:
            self.handle = self.path.open(encoding="utf-8")
        except OSError as error:
            raise TrackfitError(f"{self.path}: cannot be read ({error.strerror})") from None
        return self.handle, str(self.path)

    def __exit__(self, *exc_info) -> None:
        if self.handle:
            self.handle.close()


def _write_jsonl(stream: TextIO, records) -> None:
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False))
        stream.write("\n")


if __name__ == "__main__":
    sys.exit(main())
