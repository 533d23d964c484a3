"""The `trackfit` command line: one entry point, user mistakes as messages and exit codes."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import getpass
import io
import json
import os
import re
import shlex
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import orjson

from recommender.answer.answers import read_answers_jsonl, sample_answers_of
from recommender.answer.batch import CHUNK_PEOPLE, answer_in_chunks, check_answers_jsonl
from recommender.answer.recommendation import TrainedForAnotherPack
from recommender.answer.registry import (
    ACTIVE_FOLDER,
    DEFAULT_ROOT,
    ModelRefused,
    NoActiveVersion,
    Registry,
    pack_id_of,
)
from recommender.answer.scoring import score_many
from recommender.answer.trial import tried_recommender, try_version
from recommender.cli_parser import TrackfitParser
from recommender.errors import AnswersInvalid, Problem, TrackfitError
from recommender.pack.framework import TRACK_IDS
from recommender.pack.loading import installed_names, load_pack, resolve_pack_path
from recommender.pack.saved_text import HEAD_BYTES, saved_as_utf16
from recommender.pack.schema import pack_schema

if TYPE_CHECKING:  # learning is imported only by the commands that write
    from recommender.learn.publishing import RegistryWriter

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # as a shell reports a command stopped by Ctrl+C
# standard output refusing more: a full disk or quota, a file too large, an I/O error
OUTPUT_REFUSED = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}
MAX_PEOPLE = 1_000_000  # synthetic people per run: beyond it a run takes hours and gigabytes
MAX_SEEDS = 100
# `trackfit evaluate`: the synthetic evaluation's defaults, and --data's held-out share
EVALUATION_SIZES, EVALUATION_SEEDS, EVALUATION_TEST_PEOPLE = (300, 1000, 4000, 20000), 3, 20000
DATA_TEST_SHARE = 0.3
MAX_SEED = 2**63 - 1
# One person's answers are a few kilobytes (the API takes at most 256 KB); a longer line is not
# answers, and reading it whole would cost its size in memory (/dev/zero has no line end).
MAX_LINE_CHARACTERS = 1024 * 1024
MAX_SPREADSHEET_BYTES = 5 * 1024 * 1024  # framework_sheet.MAX_FILE_BYTES; more is refused there


def main(argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    """Run one command; return its exit code (0 ok, 2 invalid input)."""
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    if sys.stdout is None or sys.stdout.closed:
        if sys.stderr is not None and not sys.stderr.closed:
            print("trackfit: standard output is closed; nothing was done", file=sys.stderr)
        return EXIT_USAGE
    _say_which_pack(getattr(args, "pack", None))
    stopping = _stop_on_terminate()
    try:
        return args.run(args)
    except TrackfitError as error:
        print(_bundled_registry_as_relative(error.report()), file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); not an error of ours
        return EXIT_OK
    except KeyboardInterrupt:
        print(
            "trackfit: interrupted before it finished; no output is left half-written (a file "
            "or model version is written whole or not at all)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except OSError as error:
        if error.filename is None and error.errno in OUTPUT_REFUSED:
            # standard output cannot take more (a full disk): say so, without a traceback, and
            # drop what is still buffered so that exiting does not try again
            print(f"trackfit: the output cannot be written ({error.strerror})", file=sys.stderr)
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_FAILED
        if error.filename is None:
            raise  # not about a path the user gave: our bug, keep the traceback
        print(f"trackfit: {error.filename}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        stopping()


def _say_which_pack(pack: object) -> None:
    """A pack named like a folder here is the installed pack of that name (`./engineering`
    names the folder): say so on stderr, so that an author editing ./engineering who types
    `engineering` does not read about the installed pack and think it was theirs."""
    if not isinstance(pack, str) or not pack or not os.path.isdir(pack):
        return
    if resolve_pack_path(pack) != Path(pack):
        shown = shlex.quote(f".{os.sep}{pack}")
        print(
            f"note: '{pack}' is the installed pack of that name; the folder {shown} here is "
            f"not used (give it as {shown} to use it)",
            file=sys.stderr,
        )


def _stop_on_terminate() -> Callable[[], None]:
    """Make SIGTERM stop a command as Ctrl+C does (its temporary files removed, the message
    above) for the command's length; return what puts the previous handler back. Only the
    main thread can set one."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _bundled_registry_as_relative(text: str) -> str:
    """`text` with the bundled registry (`models/` where trackfit is installed, used when
    neither `--models` nor `$TRACKFIT_MODELS` names one) named relative to the working folder:
    a message names a registry as the user gave it, never by an absolute path they did not
    type. (A registry the user named is already shown as typed.)"""
    return text.replace(str(DEFAULT_ROOT), os.path.relpath(DEFAULT_ROOT))


def build_parser(
    extend: Callable[[argparse._SubParsersAction], None] | None = None,
) -> argparse.ArgumentParser:
    """The argument parser with one sub-command per job; `extend` adds more (the web app's)."""
    parser = TrackfitParser(
        prog="trackfit",
        description="Self-assessment and track-fit recommendations for parallel career ladders.",
    )
    parser.add_argument(
        "--models",
        metavar="DIR",
        help="model registry folder (default: $TRACKFIT_MODELS or models/)",
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
    score.add_argument("--input", type=_file_path, help="answers JSONL file (default: stdin)")

    recommend = _command(
        commands,
        "recommend",
        "recommend a track and levels for each line of answers JSONL, with the reasons",
        run_recommend,
    )
    recommend.add_argument("--pack", help="pack folder or name (default: engineering)")
    recommend.add_argument("--version", help="model version (default: the active one)")
    recommend.add_argument("--input", type=_file_path, help="answers JSONL file (default: stdin)")
    recommend.add_argument(
        "--chunk",
        type=_count(0, MAX_PEOPLE),
        default=CHUNK_PEOPLE,
        help=f"people answered together (default {CHUNK_PEOPLE:,}); 0: the whole input at once, "
        "as before streaming (memory grows with the people; kept to measure against)",
    )

    synth = _command(
        commands, "synth", "write synthetic outcome data (documented, seeded)", run_synth
    )
    synth.add_argument("--n", type=_count(1, MAX_PEOPLE), required=True, help="number of people")
    synth.add_argument("--seed", type=_seed, required=True, help="random seed (0 or more)")
    synth.add_argument("--out", type=_file_path, required=True, help="outcome CSV to write")
    synth.add_argument(
        "--truth", type=_file_path, help="also write each person's true success probabilities here"
    )
    synth.add_argument("--pack", help="pack folder or name (default: engineering)")
    synth.add_argument(
        "--sensitive",
        action="store_true",
        help="add made-up gender and age_band columns, to try the fairness report",
    )

    train = _command(
        commands, "train", "train a candidate model version from outcome data", run_train
    )
    train.add_argument("--data", type=_file_path, required=True, help="outcome CSV")
    train.add_argument(
        "--sensitive",
        default="",
        type=_sensitive_text,
        help="comma-separated sensitive columns, used only for the fairness report",
    )
    train.add_argument("--pack", help="pack folder or name (default: engineering)")
    train.add_argument("--promote", action="store_true", help="make it the active version")
    train.add_argument("--justification", help=JUSTIFICATION_HELP)
    train.add_argument(
        "--from-scratch",
        action="store_true",
        help="learn from this file's people alone (by default the search may shrink toward "
        "the active version where cross-validation says that pays)",
    )
    train.add_argument(
        "--synthetic",
        action="store_true",
        help="the file is made-up people (trackfit synth): the manifest, the model card and "
        "every page showing the version say it was trained on synthetic data",
    )
    train.add_argument(
        "--evidence",
        type=_file_path,
        help="also write the people behind the verdict here, a CSV row each: judged or why "
        "not, and the cross-fitted candidate's and the active version's chances, to recompute "
        "the verdict's figures (kept nowhere else)",
    )

    _models_command(commands)

    evaluate = _command(
        commands,
        "evaluate",
        "measure the value of the advice on held-out synthetic people against two "
        "analyst peers (cross-validated logistic regression, gradient boosting) and the "
        "status quo",
        run_evaluate,
    )
    evaluate.add_argument(
        "--sizes",
        type=_sizes,
        help="training sizes, comma-separated (default: 300,1000,4000,20000)",
    )
    evaluate.add_argument(
        "--truths",
        type=_truths,
        default=None,
        help="synthetic truths, comma-separated (default: all: baseline,thresholds)",
    )
    evaluate.add_argument(
        "--seeds",
        type=_count(1, MAX_SEEDS),
        help="training samples per size (default: 3)",
    )
    evaluate.add_argument(
        "--test-n",
        type=_count(100, MAX_PEOPLE),
        help="fresh held-out people per truth (default: 20000)",
    )
    evaluate.add_argument("--seed", type=_seed, default=11, help="random seed (0 or more)")
    evaluate.add_argument("--json", action="store_true", help="print the full JSON report")
    evaluate.add_argument("--pack", help="pack folder or name (default: engineering)")
    evaluate.add_argument(
        "--prior",
        metavar="VERSION",
        help="a registry version the training may shrink toward, as retraining does toward "
        "the active one ('active': the pack's active version; default: none)",
    )
    evaluate.add_argument(
        "--data",
        type=_file_path,
        help="evaluate on this outcome CSV instead "
        "(held-out share; no truth, so AUC and Brier rather than value)",
    )
    evaluate.add_argument(
        "--sensitive",
        default="",
        type=_sensitive_text,
        help="with --data: comma-separated sensitive columns of the file (read, never used)",
    )
    _add_pack_commands(commands)
    if extend is not None:
        extend(commands)
    return parser


def _add_pack_commands(commands) -> None:
    """`trackfit pack ...`: making packs from what HR already has."""
    pack = commands.add_parser(
        "pack", help="make packs", description="Make packs from what HR already has."
    )
    pack_commands = pack.add_subparsers(dest="pack_command", required=True, metavar="COMMAND")
    import_framework = _command(
        pack_commands,
        "import-framework",
        "write a pack skeleton from a ladder spreadsheet (XLSX or CSV; layout: "
        "questionnaires/FORMAT.md); exit 0, or 2 listing every problem by cell",
        run_import_framework,
    )
    import_framework.add_argument("file", type=_file_path, help="the ladder, .xlsx or .csv")
    import_framework.add_argument(
        "--id", required=True, help="the new pack's id (e.g. data-science)"
    )
    import_framework.add_argument("--title", help="the pack's title (default: from the id)")
    import_framework.add_argument(
        "--out", type=_file_path, help="the pack folder to write, named by the id (default: ./ID)"
    )


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argument type: a whole number from `low` to `high`, refused before int() when it is
    too long to be one (a 5000-digit number is past Python's conversion limit)."""
    return _count(low, high)


def command(commands, name: str, help_text: str, run: Callable) -> argparse.ArgumentParser:
    """Add a sub-command that runs `run(args)`."""
    return _command(commands, name, help_text, run)


def _command(commands, name: str, help_text: str, run: Callable) -> argparse.ArgumentParser:
    command = commands.add_parser(name, help=help_text, description=help_text)
    command.set_defaults(run=run)
    return command


class SampleAnswersInvalid(TrackfitError):
    """A pack whose sample answers do not fit it: `make demo` and the demo accounts read them."""

    headline = "the pack reads, but its sample answers do not fit it"


def run_validate(args: argparse.Namespace) -> int:
    """`trackfit validate [PACK]`: the pack, and its sample answers when it has them (the
    demo and `trackfit recommend` read them; they must fit the pack as it is now)."""
    folder = resolve_pack_path(args.pack)  # main() said so if a folder here has its name
    pack = load_pack(args.pack)
    try:
        samples = sample_answers_of(pack, folder)
    except AnswersInvalid as invalid:
        raise SampleAnswersInvalid(invalid.problems, invalid.more) from None
    sampled = "" if samples is None else f", {len(samples)} sample answers that fit it"
    questionnaire = pack.questionnaire
    print(
        f"{args.pack or pack.id}: pack {pack.ref} is valid: "  # as typed, not its absolute path
        f"{len(questionnaire.items)} items in {len(questionnaire.sections)} sections, "
        f"{len(questionnaire.constructs)} constructs, "
        f"{len(pack.framework.competencies)} competencies, {len(pack.framework.levels)} levels, "
        f"{len(pack.rules.rules)} rules{sampled}"
    )
    return EXIT_OK


def run_import_framework(args: argparse.Namespace) -> int:
    """`trackfit pack import-framework FILE --id ID`: the pack is written whole and valid, or
    nothing is written."""
    from recommender.pack.framework_sheet import FrameworkSheetInvalid
    from recommender.pack.skeleton import import_framework, pack_id_problem, write_pack

    out = args.out if args.out is not None else Path(args.id)
    bad_id = pack_id_problem(args.id)
    problems = [
        *([Problem("--id", bad_id)] if bad_id else []),
        *_not_a_pack_folder(out, args.id),
        *filter(None, [_not_a_regular_file(args.file, None)]),
    ]
    files = None
    if not any(problem.where == "" for problem in problems):  # the file can be read
        with args.file.open("rb") as stream:
            data = stream.read(MAX_SPREADSHEET_BYTES + 1)
        try:
            # read under a stand-in id when the one given is refused: the sheet's problems
            # are listed in the same pass as the options'
            files = import_framework(
                data, args.file.name, "pack" if bad_id else args.id, args.title
            )
        except FrameworkSheetInvalid as invalid:
            if not problems:
                raise
            problems += invalid.problems
    if problems:  # all at once: the id, the folder and the file are the user's to fix
        raise TrackfitError(problems)
    write_pack(files, out)
    # a bare folder name would be the installed pack of that name: the path says which
    folder = shlex.quote(str(out) if os.sep in str(out) else f".{os.sep}{out}")
    print(
        f"{out}: pack {args.id}@1 written and valid; review pack.yaml's description, then "
        f"run `trackfit validate {folder}`"
    )
    return EXIT_OK


def _not_a_pack_folder(out: Path, pack_id: str) -> list[Problem]:
    """Every reason `--out` is no folder to write the pack into."""
    why = []
    if out.name != pack_id:
        why.append(f"{out} must be a folder named '{pack_id}': a pack's folder is named by its id")
    if os.path.islink(out) or (os.path.exists(out) and not os.path.isdir(out)):
        why.append(f"{out} exists and is not a folder")
    elif os.path.isdir(out) and any(out.iterdir()):
        why.append(f"{out} is not empty; nothing was written (give a new folder)")
    elif not os.path.isdir(out.parent):
        why.append(f"{out.parent} is not a folder that exists")
    return [Problem("--out", reason) for reason in why]


def run_schema(args: argparse.Namespace) -> int:
    """`trackfit schema [--pack P]`."""
    json.dump(pack_schema(load_pack(args.pack)), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def run_score(args: argparse.Namespace) -> int:
    """`trackfit score [--pack P] [--input F]`: every line checked before anything is written."""
    pack = load_pack(args.pack)
    with _open_input(args.input) as (stream, name), _batch():
        people = _read_people(stream, pack, name)
        profiles = score_many(pack, people).profiles()
        _write_jsonl(sys.stdout, (profile.to_json() for profile in profiles))
    return EXIT_OK


def run_recommend(args: argparse.Namespace) -> int:
    """`trackfit recommend`: every line checked before anything is written, then answered a
    chunk at a time (recommender/answer/batch.py says why in two passes)."""
    try:
        recommender = tried_recommender(args.pack, args.models, args.version)
    except NoActiveVersion as refused:
        if not refused.held:
            raise
        versions = ", ".join(refused.held)
        raise ModelRefused(
            f"{refused.problems[0].message}. Or answer with a version that is not active: "
            f"`trackfit recommend --version {refused.held[-1]}` (this pack's: {versions})"
        ) from None
    except TrainedForAnotherPack as refused:
        # a manifest is untrusted: its pack is offered only as an installed pack's id, which
        # answers as pasted and needs no quoting
        if args.pack or refused.pack_id not in _installed_packs():
            raise
        raise ModelRefused(
            f"{refused.problems[0].message} (the pack answered when --pack is not given); "
            f"to answer with it: `trackfit recommend --pack {refused.pack_id} --version "
            f"{shlex.quote(refused.version)}`"
        ) from None
    with _open_input(args.input) as (stream, name), _batch():
        if not args.chunk:
            people = _read_people(stream, recommender.pack, name)
            _write_jsonl(sys.stdout, recommender.recommend_many(people))
            return EXIT_OK
        with _read_twice(stream) as (copy, again):
            try:
                first = check_answers_jsonl(
                    _bounded_lines(stream, name),
                    recommender.pack,
                    name,
                    copy=copy,
                    chunk=args.chunk,
                )
            except UnicodeDecodeError as error:
                raise AnswersInvalid(f"{name}: is not UTF-8 text (byte {error.start})") from None
            if not first.people:
                raise AnswersInvalid(f"{name}: holds no answers (one JSON object per line)")
            _write_jsonl(sys.stdout, answer_in_chunks(again(), recommender, first, name))
    return EXIT_OK


@contextlib.contextmanager
def _read_twice(stream: TextIO) -> Iterator[tuple[TextIO | None, Callable[[], Iterator[str]]]]:
    """For an input read twice: where to copy it while it is first read (None when it can be
    read again from where it starts), and how to read it the second time. A pipe is copied to
    a temporary file on disk, deleted afterwards."""
    start = stream.tell() if stream.seekable() else None
    if start is not None:

        def again() -> Iterator[str]:
            stream.seek(start)
            return iter(stream.readline, "")

        yield None, again
        return
    with tempfile.TemporaryFile(
        "w+", encoding="utf-8", errors="surrogateescape", newline="\n"
    ) as copy:  # a byte that is not UTF-8 kept as read, for the check to name again

        def again() -> Iterator[str]:
            copy.flush()
            copy.seek(0)
            return iter(copy.readline, "")

        yield copy, again


def run_synth(args: argparse.Namespace) -> int:
    """`trackfit synth --n N --seed S --out F.csv [--truth T.csv]`."""
    from recommender.learn.synthetic import generate_outcomes, write_outcome_csv, write_truth_csv

    outputs = [args.out, *([args.truth] if args.truth else [])]
    for path in outputs:
        _check_writable(path, "--out" if path is args.out else "--truth")
    if args.truth and args.truth.resolve() == args.out.resolve():
        raise TrackfitError("--truth: must be another file than --out")
    pack = load_pack(args.pack)
    _note_unknown_constructs(pack)
    outcomes = generate_outcomes(pack, args.n, args.seed)
    with _written(args.out) as out:
        write_outcome_csv(outcomes, out, args.sensitive)
        if args.truth:
            with _written(args.truth) as truth:
                write_truth_csv(outcomes, truth)
    print(f"wrote {args.n} synthetic people to {args.out}", file=sys.stderr)
    return EXIT_OK


def _models_command(commands: argparse._SubParsersAction) -> None:
    """`trackfit models`: its actions and options."""
    models = _command(
        commands, "models", "list, check, promote or roll back model versions", run_models
    )
    models.add_argument("action", choices=("list", "check", "promote", "rollback", "build-default"))
    models.add_argument(
        "version", nargs="?", help="version to promote or check (check: the active one)"
    )
    models.add_argument(
        "--pack",
        help="the pack whose models to list, check, roll back or build (a name or folder); "
        "rollback without it: the newest promotion still in force, whatever its pack; "
        "promote: the pack to try the version on, which must be the one it was trained for "
        "(default: every pack; promote: the installed pack the version was trained for; "
        "build-default: every bundled pack)",
    )
    models.add_argument(
        "--justification",
        help=f"promote: {JUSTIFICATION_HELP}; rollback: why going back is right, in words "
        "(optional here; the web asks for it), kept in the history the same way",
    )
    models.add_argument(
        "--missing",
        action="store_true",
        help="with build-default: only for the packs whose active version is missing or cannot "
        "be used; a pack with a usable one keeps it (what `make serve` runs)",
    )
    models.add_argument(
        "--evaluate",
        type=_sizes,
        default=(),
        metavar="SIZES",
        help="with build-default: put the evaluation at these training sizes in the model card",
    )


def _read_outcome_file(args: argparse.Namespace, pack):
    """`--data`, read and checked against the pack's items; a file refused whose columns are
    every item of another installed pack says so first, with the `--pack` to give."""
    from recommender.learn.outcomes import OutcomesInvalid, pack_of_columns, read_outcomes

    _regular_file(args.data, "--data")
    try:
        return read_outcomes(args.data, pack, _sensitive_names(args.sensitive))
    except OutcomesInvalid as invalid:
        with args.data.open("rb") as stream:
            meant = pack_of_columns(stream.read(65536), pack, _other_packs(pack))
        if meant is None:
            raise
        hint = Problem(
            "--pack",
            f"the answer columns of {args.data.name} are the items of {meant.title} "
            f"({meant.ref}), not of {pack.title} ({pack.ref}); if it holds {meant.title} "
            f"outcomes, give --pack {meant.id}",
        )
        raise OutcomesInvalid([hint, *invalid.problems], invalid.more) from None


def _other_packs(pack) -> list:
    """Every installed pack but `pack` that loads."""
    others = []
    for name in sorted(_installed_packs() - {pack.id}):
        with contextlib.suppress(TrackfitError):  # a broken pack is no candidate
            others.append(load_pack(name))
    return others


def _sensitive_names(text: str) -> list[str]:
    """`--sensitive a,b`: the column names, blanks dropped."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _sensitive_text(text: str) -> str:
    """`--sensitive a,b` as given, once no column is named twice (the report would hold the
    same attribute twice, or one of them would be dropped in silence)."""
    _refuse_repeats("sensitive column", _sensitive_names(text))
    return text


@contextlib.contextmanager
def _evidence_to(args: argparse.Namespace) -> Iterator[Path | None]:
    """Where `train --evidence` writes while training (a file of its own beside the one
    named, made now, so that a folder it cannot be written in is refused before training;
    renamed to it only when training succeeded, readable by its owner alone: it holds every
    person's outcome); None without --evidence."""
    if not args.evidence:
        yield None
        return
    _check_writable(args.evidence, "--evidence")
    where = args.evidence.resolve()
    if where == args.data.resolve():
        raise TrackfitError("--evidence: must be another file than --data")
    if where.is_relative_to(Path(args.models).resolve()):
        raise TrackfitError(
            f"--evidence: {args.evidence} is inside the model registry ({args.models}), whose "
            "versions keep nothing of a person's outcome; give a path outside it"
        )
    with _written(args.evidence, option="--evidence", mode=0o600) as temporary:
        yield temporary


def run_train(args: argparse.Namespace) -> int:
    """`trackfit train --data F.csv [--sensitive a,b] [--from-scratch]`: prints a JSON
    summary."""
    from recommender.learn.candidate import train_candidate
    from recommender.learn.outcomes import OutcomesInvalid
    from recommender.learn.publishing import PromotionMoved, RegistryWriter
    from recommender.learn.training import TrainingDataTooSmall
    from recommender.learn.verdict_evidence import write_evidence_csv

    _check_justification_before_training(args)
    with _evidence_to(args) as evidence_to:  # an --evidence it cannot write: refused now
        as_read = _read_outcome_file(args, load_pack(args.pack))
        # in the order of the people, as HR's pages train: the same rows in another order alike
        outcomes = as_read.in_person_order()
        registry = RegistryWriter(args.models)
        if args.promote:  # a move the registry could not record is refused before training
            registry.check_can_move(pack_id_of(outcomes.pack))
        profiles = outcomes.profiles()

        def keep(evidence) -> None:  # before the version is written: no version if it fails
            try:
                write_evidence_csv(evidence.in_order_of(as_read.employee_ids), evidence_to)
            except OSError as error:
                raise TrackfitError(
                    f"--evidence: cannot write {args.evidence} ({error.strerror}); no version "
                    "was written"
                ) from None

        try:
            summary = train_candidate(
                profiles,
                outcomes.track_taken,
                outcomes.success,
                registry=registry,
                data={
                    "source": args.data.name,
                    "sha256": outcomes.data_hash,
                    "synthetic": args.synthetic,
                    "from_active": not args.from_scratch,
                },
                sensitive=outcomes.sensitive,
                shrink_toward_active=not args.from_scratch,
                on_evidence=keep if evidence_to else None,
            )
        except TrainingDataTooSmall as error:
            # the headline and the name of every other problem of an outcome file
            raise OutcomesInvalid(f"{args.data.name}: {error}") from None
    refusal = None
    summary["active"] = registry.active(outcomes.pack)  # as it stands now, training done
    if args.promote:
        # judged first: a candidate that needs a written reason is kept, not promoted
        version = summary["version"]
        refusal = _unjustified(registry, version, _justification(args))
        if refusal is None:
            # judged against the version active when training began: one promoted since (a
            # training at once) was never compared with it, so it is not replaced
            judged_against = (registry.manifest(version).get("comparison") or {}).get("active")
            try:
                registry.promote(
                    version,
                    outcomes.pack,
                    replacing=judged_against,
                    justification=_justification(args),
                    by=command_line_user(),
                )
                summary["active"] = version
            except PromotionMoved as moved:
                summary["active"] = moved.active
                refusal = (
                    f"it was judged against {judged_against or 'no version'}, and "
                    f"{moved.active or 'no version'} is active for {moved.pack_id} now (moved "
                    f"while it trained); compare them (`{_trackfit(args.models)} models list`) "
                    f"and promote {version} if it should replace {moved.active or 'none'}"
                )
            except ModelRefused as refused:  # the candidate is written: say so, and why
                refusal = "; ".join(str(problem) for problem in refused.problems)
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    print(
        _trained_in_words(
            summary,
            args.models,
            refused=refusal is not None,
            needs=_needs_justification(registry, summary["version"]),
        ),
        file=sys.stderr,
    )
    left_out = _left_out_in_words(profiles)
    if left_out:
        print(left_out, file=sys.stderr)
    if refusal:
        raise TrackfitError(
            f"train: {summary['version']} was written as a candidate but not promoted: {refusal}"
        )
    return EXIT_OK


SHOWN_IDS = 5  # employee ids named per flag; the rest counted


def _natural(employee_id: str) -> list:
    """A sort key reading runs of digits as numbers: E2 before E10."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in _DIGITS.split(employee_id)
    ]


_DIGITS = re.compile(r"(\d+)")


def _left_out_in_words(profiles) -> str | None:
    """Who was not learnt from for a response-quality flag, per flag: how many and the first
    employee ids in natural order (E2 before E10; a person can raise several); None when
    nobody was left out."""
    if not profiles.flagged.any():
        return None
    lines = [f"  left out for response-quality flags ({int(profiles.flagged.sum()):,} rows):"]
    for flag, raised in profiles.flags.items():
        ids = sorted((profiles.employee_ids[row] for row in raised.nonzero()[0]), key=_natural)
        if not ids:
            continue
        named = ", ".join(repr(employee) for employee in ids[:SHOWN_IDS])
        more = f" and {len(ids) - SHOWN_IDS:,} more" if len(ids) > SHOWN_IDS else ""
        lines.append(f"    {flag.replace('_', ' ')}: {len(ids):,} ({named}{more})")
    return "\n".join(lines)


def _trained_in_words(
    summary: dict, models: Path | None, *, refused: bool, needs: list[str] | None = None
) -> str:
    """The JSON's few lines a person reads first (on stderr, so stdout stays JSON): which
    version was written, from how many rows, its verdict, and the next step (none when a
    promotion asked for was refused: the refusal that follows says why and what to do). A
    candidate whose promotion `needs` a written justification (for these reasons) is offered
    the command with `--justification`, which works once the reason is written in."""
    version, used, rows = summary["version"], summary["rows_used"], summary["rows"]
    lines = [
        f"trackfit train: wrote {version} for {summary['pack']} from {used:,} of {rows:,} rows"
        + ("" if used == rows else " (the rest carry a response-quality flag)")
    ]
    tracks = (summary.get("metrics") or {}).get("tracks") or {}
    prior = _prior_in_words(tracks)
    if prior:
        lines.append(f"  {prior}")
    took = {t: entry.get("pairs") for t, entry in tracks.items() if entry.get("pairs")}
    if took:
        lines.append(
            "  interactions cross-validation chose: "
            + "; ".join(f"{TRACKS_IN_WORDS.get(t, t)} {', '.join(p)}" for t, p in took.items())
        )
    verdict = summary.get("verdict") or {}
    if verdict.get("summary"):
        lines.append(f"  verdict: {verdict['summary']}")
    unscored = summary.get("compared_with_active") or {}
    if unscored.get("error"):  # the card says why; so does the line a person reads first
        lines.append(f"  the active version {unscored['version']}: {unscored['error']}")
    judged, active = unscored.get("version"), summary.get("active")
    if not refused and active not in (judged, version):  # another promotion while it trained
        lines.append(
            f"  the verdict is against {judged or 'no version'}, active when training began; "
            f"{active or 'no version'} is active now (moved while it trained), so compare "
            f"{version} with it (`{_trackfit(models)} models list`) before promoting it"
        )
    if summary.get("active") == version:
        lines.append(f"  {version} is now active")
    elif not refused:
        trackfit = _trackfit(models)
        promote = f"{trackfit} models promote {version}"
        if needs:
            from recommender.learn.justification import MIN_JUSTIFICATION

            because = needs[0] if len(needs) == 1 else f"{', '.join(needs[:-1])} and {needs[-1]}"
            promote += (
                f' --justification "..."` (in place of the dots, why promoting is right, at '
                f"least {MIN_JUSTIFICATION} characters: it needs a written justification, "
                f"because {because})"
            )
        else:
            promote += "`"
        lines.append(
            f"  {version} is a candidate, not active: try it with `{trackfit} recommend "
            f"--version {version}`, or promote it with `{promote}"
        )
    return "\n".join(lines)


TRACKS_IN_WORDS = {"ic": "the IC track", "manager": "the manager track"}


def _prior_in_words(tracks: dict) -> str | None:
    """Whether the search took the version offered as a prior, track by track (the JSON's
    `prior` names the version offered, `prior_weight` how much it was taken: 0 is not at
    all); None when none was offered."""
    offered = {entry.get("prior") for entry in tracks.values()} - {None}
    if len(offered) != 1:
        return None
    from recommender.learn.fold_choices import shrink_share

    prior = offered.pop()
    weights = {t: entry.get("prior_weight") or 0 for t, entry in tracks.items()}
    took = [t for t, weight in weights.items() if weight]
    alone = [TRACKS_IN_WORDS.get(t, t) for t in tracks if t not in took]
    if not took:
        return (
            f"{prior} was offered as a prior; cross-validation took it on neither track: each "
            "learnt from these rows alone"
        )
    if not alone and len({weights[t] for t in took}) == 1:
        shrank = f"{shrink_share(weights[took[0]])}toward {prior} on both tracks"
    else:
        shrank = " and ".join(
            f"{shrink_share(weights[t])}toward {prior if i == 0 else 'it'} on "
            f"{TRACKS_IN_WORDS.get(t, t)}"
            for i, t in enumerate(took)
        )
    rest = f"; {' and '.join(alone)} learnt from these rows alone" if alone else ""
    return f"shrank {shrank}, as cross-validation chose{rest}"


def _trackfit(models: Path | None) -> str:
    """The command to suggest: the registry named as it was given, none when the default was
    used."""
    return f"trackfit --models {shlex.quote(str(models))}" if models else "trackfit"


def _needs_justification(registry: Registry, version: str) -> list[str]:
    """Why promoting `version` needs a written justification (judged worse, ranking no better
    than a coin flip, flagged by the fairness report...), each said briefly (the verdict is
    printed beside it); empty when it needs none or cannot be read (a promotion says why)."""
    from recommender.learn.justification import justification_reasons

    try:
        reasons = justification_reasons(registry.manifest(version))
    except (ModelRefused, AttributeError, TypeError, KeyError):
        return []
    # the verdict quoted in a reason is printed just above: the reason without it
    return [reason.split(" (“")[0] for reason in reasons]


JUSTIFICATION_HELP = (
    "why promoting is right, in words: needed when the version was judged worse than the "
    "active one, ranks people no better than a coin flip, has flagged fairness groups or has "
    "chances that run high or low for a group (calibration by group); kept in the registry's "
    "history"
)


def _justification(args: argparse.Namespace) -> str | None:
    return (args.justification or "").strip() or None


def command_line_user() -> str:
    """Who moves a pointer from the command line, as the registry's history keeps it: the
    account running the command, when the system can say."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment or the password database
        return "the command line"
    return f"{user} (command line)"


def _check_justification_before_training(args: argparse.Namespace) -> None:
    """A justification that could never be used is refused before minutes of training: one
    without --promote (it is kept with a promotion), one holding a character nobody sees, or
    one too short to count."""
    from recommender.answer.written_text import hidden_character
    from recommender.learn.justification import not_a_reason

    given = _justification(args)
    if given is None:
        return
    problems = []
    if not args.promote:
        problems.append(
            "--justification goes with --promote: it is kept with the promotion in the "
            "registry's history"
        )
    hidden = hidden_character(given)
    why_not = None if hidden else not_a_reason(given)
    if hidden:
        problems.append(f"--justification: {hidden}")
    elif why_not:
        problems.append(f"--justification: {why_not}, a reason in words")
    if problems:
        raise TrackfitError([Problem("train", problem) for problem in problems])


def _check_rollback_justification(args: argparse.Namespace) -> None:
    """A rollback's justification, when one is given, is a reason in words (it is kept in the
    history for HR to read); refused before anything moves."""
    from recommender.learn.justification import not_a_reason

    if args.justification is None:
        return
    _refuse_hidden(args, "models rollback: nothing was rolled back")
    why_not = not_a_reason(args.justification)  # a blank one too: given, but no reason
    if why_not:
        raise TrackfitError(
            f"models rollback: nothing was rolled back: --justification: {why_not}, a reason "
            "in words"
        )


def _refuse_hidden(args: argparse.Namespace, opening: str) -> None:
    """A justification holding a character nobody sees is refused before anything moves,
    whether or not the move needs one: the history would show other text than was checked."""
    from recommender.answer.written_text import hidden_character

    hidden = hidden_character(args.justification)
    if hidden:
        raise TrackfitError(f"{opening}: --justification: {hidden}")


def _unjustified(registry: Registry, version: str, justification: str | None) -> str | None:
    """Why promoting `version` is refused for want of a written justification, or None (also
    when the version is not in the registry or active already: the registry says so)."""
    from recommender.answer.written_text import MIN_WORDS
    from recommender.learn.justification import (
        MIN_JUSTIFICATION,
        needs_justification,
        unjustified,
    )

    if version not in registry.versions():
        return None
    if registry.active_or_none(registry.pack_of(version)) == version:
        return None
    try:
        reasons = unjustified(registry.manifest(version), justification)
    except (AttributeError, TypeError, KeyError) as error:
        raise ModelRefused(
            f"{version}/manifest.json: its comparison or fairness report does not have the "
            f"shape trackfit writes ({type(error).__name__}: {error})"
        ) from None
    if not reasons:
        return None
    return (
        f"promoting it {needs_justification(reasons, justification)}; give one with "
        f'--justification "..." (at least {MIN_JUSTIFICATION} characters and {MIN_WORDS} '
        "different words), kept in the registry's history"
    )


def run_models(args: argparse.Namespace) -> int:
    """`trackfit models list | check [V] | promote V | rollback | build-default`, each for one
    pack (`--pack`) or every one."""
    _refuse_what_the_action_ignores(args)
    if args.action not in ("list", "check"):
        return _change_models(args)
    registry = Registry(args.models)
    missing = registry.root_problem()  # a mistyped --models lists nothing, and says so
    if missing:
        raise ModelRefused(missing)
    _known_pack(registry, args.pack)
    if args.action == "check":
        return _check_models(registry, args)
    return _list_models(registry, args.pack)


# the `models` actions that take each option; given to another action it is refused, never
# dropped (`models rollback v1` would otherwise move the pointer to another version)
MODELS_OPTIONS = {
    "version": ("check", "promote"),
    "justification": ("promote", "rollback"),
    "missing": ("build-default",),
    "evaluate": ("build-default",),
}


def _refuse_what_the_action_ignores(args: argparse.Namespace) -> None:
    """Every option given to a `models` action that takes no notice of it, in one refusal."""
    problems = []
    if args.version is not None and args.action not in MODELS_OPTIONS["version"]:
        if args.action == "rollback":
            problems.append(
                f"models rollback takes no version: it goes back to the version active before "
                f"the current one; to make {args.version} active, promote it: trackfit models "
                f"promote {shlex.quote(args.version)}"
            )
        else:
            problems.append(
                f"models {args.action} takes no version ({args.version} given); "
                "models check V tries one"
            )
    misplaced: dict[tuple[str, ...], list[str]] = {}  # the actions that take them -> flags
    for option in ("justification", "missing", "evaluate"):
        given = getattr(args, option) not in (None, False, ())
        if given and args.action not in MODELS_OPTIONS[option]:
            misplaced.setdefault(MODELS_OPTIONS[option], []).append(f"--{option}")
    for actions, flags in misplaced.items():
        verb = "goes" if len(flags) == 1 else "go"
        problems.append(
            f"models {args.action}: {' and '.join(flags)} {verb} only with {' or '.join(actions)}"
        )
    if problems:
        raise TrackfitError("; ".join(problems))


def _check_models(registry: Registry, args: argparse.Namespace) -> int:
    """Try a version (or each pack's active one) on sample people; every failure reported."""
    if args.version:
        registry.history()  # a malformed pointer history is refused with its lines named
        try_version(registry, args.version, args.pack)
        print(f"{args.version}: usable (SHA-256 matches, parameters read, sample people answered)")
        _check_people(registry, args.version)
        return EXIT_OK
    problems = []
    try:
        registry.history()  # a malformed pointer history: its lines named with the rest
    except ModelRefused as refused:
        problems += refused.problems
    installed = _installed_packs()
    pointers, unreadable = registry.readable_pointers()  # each bad pointer named below
    packs = [args.pack] if args.pack else sorted(installed | set(pointers))
    held = set(registry.versions())
    for pack in packs:
        if not args.pack and pack not in installed:
            problems.append(
                Problem(
                    f"{registry.root / ACTIVE_FOLDER / pack}",
                    f"points at a model of pack {pack}, which is not installed; install the "
                    "pack again, or delete this file if the pack is gone for good",
                )
            )
            continue
        try:
            name = registry.active(pack)
            if name is None:
                registry.load(pack=pack)  # refused: nothing is active, and what to do about it
            if name not in held:  # the pointer is what is wrong: named, with the way out
                gone = _pointer_problems(registry, {pack_id_of(pack): name}, held, None)
                problems += [problem for _, problem in gone]
                continue
            try_version(registry, name, pack)
            print(f"{pack_id_of(pack)}: {name} usable (SHA-256 matches, sample people answered)")
            _check_people(registry, name)
        except ModelRefused as refused:
            problems += refused.problems
    if not args.pack:  # a bad pointer of a pack not installed, not met above
        problems += [problem for problem in unreadable if str(problem) not in map(str, problems)]
    _check_leftovers(registry, set(pointers.values()))
    if problems:
        raise ModelRefused(problems)
    return EXIT_OK


def _check_leftovers(registry: Registry, active: set[str]) -> None:
    """Warn of what no pointer uses but could not be promoted or rolled back to, or an
    interrupted command left behind: a version folder that does not read, or whose model file
    no longer matches its SHA-256 (as `models list` marks it), a model card changed since
    training (any version's: the HR page refuses to show it), a half-written version
    (`.staging-*`) or pointer (`active/.<pack>-*`). None stops the active versions answering,
    so the check still passes (an active version's file is checked above, as an error)."""
    for name in registry.versions():
        try:
            manifest = registry.manifest(name)
            if name not in active:
                registry.verify(name, manifest)
            registry.card(name)  # HR reads it as the version's own account of itself
        except ModelRefused as refused:
            print(f"  warning: {refused.problems[0]}")
    for folder in (registry.root, registry.root / ACTIVE_FOLDER):
        if not folder.is_dir():
            continue
        for left in sorted(folder.glob(".*")):
            if left.name.startswith(".staging-") or folder.name == ACTIVE_FOLDER:
                print(
                    f"  warning: {left}: a version or pointer being written under a temporary "
                    "name, or left by an interrupted `trackfit train`, promotion or rollback; "
                    "when none is running, nothing reads it and it may be deleted"
                )


def _check_people(registry: Registry, name: str) -> None:
    """Say when a version's record of who it learnt from does not read. It still answers (so
    the check passes, and `make serve` keeps it), but a retraining cannot leave out the
    people it learnt from, nor take it as a prior."""
    warning = registry.learnt_from_warning(name)
    if warning:
        print(
            f"  warning: {warning}. Promote a version whose record reads, or retrain and "
            "promote, to end this."
        )


def _packs_with_models(registry: Registry) -> list[str]:
    """Every bundled pack and every pack with an active version, by id."""
    return sorted(_installed_packs() | set(registry.pointers()))


def _installed_packs() -> set[str]:
    """The ids of the packs a name finds (`questionnaires/` or `$TRACKFIT_PACKS`)."""
    return set(installed_names())


def _trained_for(registry: Registry) -> set[str]:
    """The ids of the packs the registry holds a version for (readable manifests only) or
    points at."""
    packs = registry.packs()
    with contextlib.suppress(ModelRefused):  # an unreadable pointer: the action names it
        packs |= set(registry.pointers())
    return packs


def _known_pack(registry: Registry, pack: str | None) -> None:
    """Refuse a `--pack` that names no installed pack and no pack the registry has a version
    for, naming the known ones: listing, checking or rolling back its models could only say
    nothing, or advise what cannot work. A folder holding a pack is always known."""
    if pack is None or os.path.isfile(resolve_pack_path(pack) / "pack.yaml"):
        return
    pack_id = pack_id_of(pack)
    known = _installed_packs() | _trained_for(registry)
    if pack_id not in known:
        raise TrackfitError(
            f"--pack {pack}: no pack {pack_id} is installed, and no version in the registry "
            f"{registry.root} was trained for it (known packs: {', '.join(sorted(known))})"
        )


def _list_models(registry: Registry, pack: str | None) -> int:
    """Each pack's versions, one line each, its active one starred; every unreadable registry
    file (a manifest that does not read, a model file that does not match its manifest's
    SHA-256) is reported after the list."""
    pointers, problems = registry.readable_pointers()  # one bad pointer hides no other
    rows: dict[str, list[str]] = {}
    pointing = {version: own for own, version in pointers.items()}
    for name in registry.versions():
        try:
            manifest = registry.manifest(name)
            own = registry.pack_of(name)
        except ModelRefused as refused:
            problems += refused.problems
            # an active version that does not read is listed under its pack, starred
            own = pointing.get(name)
            if own is None or pack is None or own == pack_id_of(pack):
                marker = "*" if own else " "
                line = f"{marker} {name}  (unreadable manifest)"
                rows.setdefault(own or "(unreadable)", []).append(line)
            continue
        if pack is not None and own != pack_id_of(pack):
            continue
        line, unusable = _version_line(registry, name, manifest, own, pointers)
        rows.setdefault(own, []).append(line)
        problems += unusable
    if pack is not None and pack_id_of(pack) not in rows:
        rows[pack_id_of(pack)] = ["  no versions trained for this pack"]
    if not rows:
        print(f"{registry.root}: no model versions (train one with `trackfit train`)")
    held = set(registry.versions())
    for own, problem in _pointer_problems(registry, pointers, held, pack):
        rows.setdefault(own, [])
        problems.append(problem)
    for own, lines in rows.items():
        if own == "(unreadable)":
            print("(no pack: their manifests do not read)")
        else:
            unreadable = os.path.lexists(registry.root / ACTIVE_FOLDER / own)
            active = "unreadable pointer, see below" if unreadable else "none"
            print(f"{own} (active: {pointers.get(own, active)})")
        if lines:
            print("\n".join(lines))
    try:
        registry.history()
    except ModelRefused as refused:
        problems += refused.problems
    if problems:
        raise ModelRefused(problems)
    return EXIT_OK


def _version_line(
    registry: Registry, name: str, manifest: dict, own: str, pointers: dict[str, str]
) -> tuple[str, list[Problem]]:
    """A version's line in the list, and why its model file cannot be used (changed or cut
    short after training, or, for an active version, parameters that do not read: named after
    the list, as `models check` would)."""
    unusable, problems = "", []
    try:
        if pointers.get(own) == name:  # starred: its parameters read as answering reads them
            registry.load(name)
        else:  # a candidate is tried when it is promoted; here its hash (a list stays quick)
            registry.verify(name, manifest)
    except ModelRefused as refused:
        problems, unusable = list(refused.problems), "  (model file unusable: see below)"
    data = manifest.get("data") or {}
    synthetic = "  synthetic" if data.get("synthetic") else ""
    used = data.get("rows_used")  # rows with response-quality flags are not learnt from
    used = f" used={used}" if used is not None and used != data.get("rows") else ""
    marker = "*" if pointers.get(own) == name else " "
    recorded = manifest.get("pack") or f"{own} (made before packs were recorded)"
    line = (
        f"{marker} {name}  {manifest.get('created', '')}  {recorded}  "
        f"rows={data.get('rows')}{used}  {_judged(manifest, pointers.get(own), name)}"
        f"{synthetic}{unusable}"
    )
    return line, problems


def _interval_said(compared: object) -> str:
    """'[0.692, 0.706]': a track's cross-fitted AUC interval as recorded, or nothing."""
    auc = compared.get("auc") if isinstance(compared, dict) else None
    interval = auc.get("candidate_interval") if isinstance(auc, dict) else None
    if isinstance(interval, list) and len(interval) == 2:
        return f"[{interval[0]}, {interval[1]}]"
    return ""


def _pointer_problems(
    registry: Registry, pointers: dict[str, str], held: set[str], pack: str | None
) -> list[tuple[str, Problem]]:
    """(pack, problem) for each pointer (of `pack`, or every one) naming a version the
    registry lacks, or one trained for another pack."""
    found = []
    for own, active in pointers.items():
        if pack is not None and own != pack_id_of(pack):
            continue
        trained_for = None
        if active in held:
            with contextlib.suppress(ModelRefused):  # a manifest that does not read is named
                trained_for = registry.pack_of(active)
        if active not in held:
            why = f"names {active}, which is not in the registry: promote a version, or"
        elif trained_for is not None and trained_for != own:
            why = (
                f"names {active}, which was trained for {trained_for}, not {own}: promote one "
                f"of {own}'s versions, or"
            )
        else:
            continue
        found.append(
            (
                own,
                Problem(
                    f"active/{own}",
                    f"{why} build the default with `trackfit models build-default --pack {own}`",
                ),
            )
        )
    return found


def _judged(manifest: dict, active: str | None = None, name: str | None = None) -> str:
    """How a version was judged, as the models page shows it: the cross-fitted ROC AUC per
    track (each person scored by a model that never saw them; the capacity search's own
    cross-validation, which also chose the model and so flatters it, only for versions from
    before cross-fitting), the verdict's advice (and, as the page says, when it was given
    against a version that is not `active`, the pack's active version now), the fairness
    check and, for a version trained with sensitive data, its calibration by group."""
    from recommender.learn.fairness_wording import (
        calibration_in_brief,
        fairness_checked,
        flagged_groups_said,
        flags_maybe_chance,
    )

    holdout = manifest.get("holdout") or {}
    fitted = (holdout.get("candidate") or {}).get("tracks") if isinstance(holdout, dict) else None
    if isinstance(fitted, dict) and fitted:
        compared = (manifest.get("comparison") or {}).get("tracks") or {}
        said = {
            t: _interval_said(compared.get(t)) for t, m in fitted.items() if isinstance(m, dict)
        }
        aucs = " ".join(f"{t}_auc={fitted[t].get('auc')}{said[t]}" for t in said)
        aucs += " (cross-fitted, 90% intervals)" if any(said.values()) else " (cross-fitted)"
    else:
        tracks = (manifest.get("metrics") or {}).get("tracks") or {}
        aucs = " ".join(
            f"{t}_auc={m.get('cv_auc')}" for t, m in tracks.items() if isinstance(m, dict)
        )
        aucs += " (search CV)" if aucs else ""
    comparison = manifest.get("comparison") or {}
    verdict = (comparison.get("verdict") or {}).get("recommendation")
    against = comparison.get("active")
    if verdict and "active" in comparison and not against:
        verdict = "none (nothing to compare with)"  # a first version, as the page says
    version = name or manifest.get("version")
    if verdict and against and active == version and against != version:
        verdict += f" (as a candidate, against {against}; promoted since)"
    elif verdict and against and active and active not in (against, version):
        # its verdict says nothing of the version it would replace now
        verdict += f" (judged against {against}, not {active})"
    fairness = manifest.get("fairness")
    if not isinstance(fairness, dict):
        checked = "no sensitive data"
    elif fairness.get("flagged"):
        chance = flags_maybe_chance(fairness)
        checked = flagged_groups_said(fairness) + (f" ({chance})" if chance else "")
    else:
        checked = "none flagged" if fairness_checked(fairness) else "no check possible"
    calibration = calibration_in_brief(manifest)
    if calibration is not None:
        checked += f"  calibration={calibration}"
    return f"{aucs}  verdict={verdict or 'not judged'}  fairness={checked}"


def _change_models(args: argparse.Namespace) -> int:
    """The registry-writing actions: promote, rollback, build-default. A version is tried on
    sample people before the pointer moves; a refusal leaves it where it was, and a move
    changes one pack's pointer only."""
    from recommender.learn.publishing import RegistryWriter

    registry = RegistryWriter(args.models)
    if args.action == "promote":
        if not args.version:
            raise TrackfitError("models promote: name the version to promote (e.g. v2)")
        _refuse_hidden(args, f"models promote: {args.version} was not promoted")
        refusal = _unjustified(registry, args.version, _justification(args))
        if refusal:
            raise TrackfitError(f"models promote: {args.version} was not promoted: {refusal}")
        previous = registry.promote(
            args.version, args.pack, justification=_justification(args), by=command_line_user()
        )
        own = registry.pack_of(args.version)
        print(f"active model for {own}: {args.version} (was {previous or 'none'})")
        _check_people(registry, args.version)
    elif args.action == "rollback":
        _known_pack(registry, args.pack)
        _check_rollback_justification(args)
        packs = sorted(_trained_for(registry))
        if not args.pack and not packs:
            raise TrackfitError(
                f"models rollback: the registry {registry.root} holds no model versions; "
                "there is nothing to roll back"
            )
        if args.pack or len(packs) == 1:
            pack = args.pack or packs[0]
            target, current = registry.roll_back(
                pack, justification=_justification(args), by=command_line_user()
            )
        else:
            pack, (target, current) = _roll_back_latest(registry, _justification(args))
        print(f"active model for {pack_id_of(pack)}: {target} (was {current})")
        _check_people(registry, target)
    else:
        from recommender.learn.default_model import build_default_model

        if args.missing:  # the installed packs (a pointer of a removed one: nothing to build)
            named = [args.pack] if args.pack else sorted(_installed_packs())
            packs = [pack for pack in named if not _usable_active(registry, pack)]
            _note_pointers_of_removed_packs(registry)
        else:
            packs = [args.pack] if args.pack else _packs_with_models(registry)
        for pack in packs:
            loaded = load_pack(pack)
            _note_unknown_constructs(loaded)
            name = build_default_model(
                registry, loaded, evaluation_sizes=args.evaluate, by=command_line_user()
            )
            print(f"active model for {pack_id_of(pack)}: {name}")
    return EXIT_OK


def _note_pointers_of_removed_packs(registry: Registry) -> None:
    """Say on stderr which packs the registry points a version at that are not installed."""
    folder = registry.root / ACTIVE_FOLDER
    pointed = {path.name for path in folder.iterdir()} if folder.is_dir() else set()
    for pack in sorted(pointed - _installed_packs()):
        print(f"{pack}: not installed; no default built for it", file=sys.stderr)


def _usable_active(registry: Registry, pack: str) -> bool:
    """Whether the pack's active version answers sample people; said either way (a pack with
    one keeps it: `build-default --missing` replaces no model HR trained; an unreadable
    pointer is no usable version)."""
    name = None
    try:
        name = registry.active(pack)
        if name is None:
            registry.load(pack=pack)  # refused: nothing is active
        try_version(registry, name, pack)
    except ModelRefused as refused:
        print(f"{pack_id_of(pack)}: {refused.problems[0]}; building its default", file=sys.stderr)
        return False
    print(f"{pack_id_of(pack)}: {name} usable, kept", file=sys.stderr)
    return True


def _note_unknown_constructs(pack) -> None:
    """Say on stderr which of the pack's constructs the synthetic generator cannot give a
    meaning to (their answers are random and play no part in success)."""
    from recommender.learn.synthetic import unknown_constructs

    unknown = unknown_constructs(pack)
    if unknown:
        names = ", ".join(unknown)
        print(
            f"note: pack {pack.ref}: the synthetic generator has no trait for "
            f"{'construct' if len(unknown) == 1 else 'constructs'} {names}: "
            f"{'its' if len(unknown) == 1 else 'their'} answers are drawn at random and play "
            "no part in success, so a model learnt from these people gives "
            f"{'it' if len(unknown) == 1 else 'them'} little or no weight",
            file=sys.stderr,
        )


def _roll_back_latest(
    registry: RegistryWriter, justification: str | None
) -> tuple[str, tuple[str, str]]:
    """Without `--pack`, where several packs have models: undo the newest promotion still in
    force, whatever its pack, saying on stderr which it was (the step named is the step made,
    or nothing moves); refused, naming the packs, when none has a version to go back to."""
    latest = registry.latest_rollback()
    if latest is None:
        named = ", ".join(sorted(_trained_for(registry)))
        raise TrackfitError(
            "models rollback: nothing to roll back: no pack has a version that was active "
            f"before its current one (packs with models: {named})"
        )
    pack, (target, current), moves = latest
    try:
        registry.roll_back(
            pack,
            confirmed=(target, current),
            moves=moves,
            justification=justification,
            by=command_line_user(),
        )
    except ModelRefused:  # its problems say why; this says what was tried
        print(
            f"models rollback: the newest promotion still in force is {current} for {pack}; "
            f"going back to {target} was refused, and nothing moved:",
            file=sys.stderr,
        )
        raise
    print(
        f"models rollback: undid the newest promotion still in force, {current} for {pack}, "
        f"back to {target} (--pack P rolls back another pack)",
        file=sys.stderr,
    )
    return pack, (target, current)


def run_evaluate(args: argparse.Namespace) -> int:
    """`trackfit evaluate`: prints a table, or the JSON report."""
    from recommender.learn.evaluation import (
        OutcomesTooFew,
        evaluate_at_sizes,
        evaluate_on_outcomes,
        size_table,
    )
    from recommender.learn.synthetic import TRUTHS
    from recommender.learn.training import TrainingDataTooSmall

    synthetic_only = [
        option
        for option, value in (
            ("--sizes", args.sizes),
            ("--truths", args.truths),
            ("--seeds", args.seeds),
            ("--test-n", args.test_n),
            ("--prior", args.prior),
        )
        if value is not None
    ]
    if args.prior is not None and not args.prior.strip():
        # read as "not given", `--prior "$UNSET"` would quietly evaluate with no prior
        raise TrackfitError(
            "--prior: no version given (an empty name); name a version (e.g. v1) or 'active', "
            "or leave --prior out to evaluate with no prior"
        )
    if args.data and synthetic_only:
        raise TrackfitError(
            f"{', '.join(synthetic_only)} {'go' if len(synthetic_only) > 1 else 'goes'} with "
            f"the synthetic evaluation, not --data (which trains on {1 - DATA_TEST_SHARE:.0%} of "
            "the file's rows and judges on the rest)"
        )
    if args.sensitive and not args.data:
        raise TrackfitError("--sensitive names columns of an outcome file: it goes with --data")
    pack = load_pack(args.pack)
    prior = _evaluation_prior(args, pack)
    try:
        if args.data:
            from recommender.learn.outcomes import OutcomesInvalid

            outcomes = _read_outcome_file(args, pack).in_person_order()  # as `train` reads it
            report = evaluate_on_outcomes(outcomes, seed=args.seed, test_share=DATA_TEST_SHARE)
        else:
            _note_unknown_constructs(pack)
            report = evaluate_at_sizes(
                pack,
                args.sizes or EVALUATION_SIZES,
                truths=args.truths or tuple(TRUTHS),
                seeds=args.seeds or EVALUATION_SEEDS,
                test_people=args.test_n or EVALUATION_TEST_PEOPLE,
                seed=args.seed,
                prior=prior,
                progress=lambda line: print(f"evaluated {line}", file=sys.stderr, flush=True),
            )
    except OutcomesTooFew as error:
        raise OutcomesInvalid(
            f"{args.data.name}: too few people to train on, as `trackfit train` would say: {error}"
        ) from None
    except TrainingDataTooSmall as error:
        if args.data:
            raise OutcomesInvalid(
                f"{args.data.name}: the {1 - DATA_TEST_SHARE:.0%} of its rows that train (the "
                f"rest judge) are too few: {error}; use more people"
            ) from None
        raise TrackfitError(f"a training sample: {error}; use more people") from None
    for track, why in (report.get("not_judged") or {}).items():
        print(f"trackfit evaluate: {track} track not judged: {why}", file=sys.stderr)
    if args.data or args.json:
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(size_table(report))
    if len(report.get("not_judged") or {}) == len(TRACK_IDS):
        # the report says why, but no figure was measured: not a success a script goes on from
        print("trackfit evaluate: nothing was measured: no track could be judged", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _evaluation_prior(args: argparse.Namespace, pack):
    """The version `--prior` names, checked to read this pack's features, or None."""
    if not args.prior:
        return None
    from recommender.answer.features import pack_features
    from recommender.learn.training import Prior

    registry = Registry(args.models)
    name = registry.active(pack) if args.prior == "active" else args.prior
    if name is None:
        raise TrackfitError(f"--prior active: pack {pack.id} has no active model version")
    if name not in registry.versions():
        own = registry.versions(pack)
        raise TrackfitError(
            f"--prior {name}: no version {name} in the registry {registry.root}; pack "
            f"{pack.id}'s versions: {', '.join(own) or 'none'}"
        )
    try:
        model = registry.load(name).model
    except ModelRefused as refused:
        raise TrackfitError(
            [Problem(f"--prior {args.prior}", str(problem)) for problem in refused.problems]
        ) from None
    if model.input_names != tuple(f.name for f in pack_features(pack)):
        raise TrackfitError(f"--prior {name} reads other features than pack {pack.ref}")
    return Prior(model, name)


def _file_path(text: str) -> Path:
    """A path as typed; an empty one is refused as such (Path("") would be named ".", a
    folder nobody typed; " " is a name a file may have)."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path: give a file name")
    return Path(text)


def _whole_number(text: str) -> int:
    """A whole number as typed, short enough to convert (never a 5000-digit one)."""
    plain = text.strip().replace("_", "")
    if not plain or not plain.lstrip("-+").isdigit() or not plain.isascii():
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number")
    if len(plain) > 20:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is far too large ({len(plain.lstrip('-+'))} digits)"
        )
    return int(plain)


def _count(low: int, high: int) -> Callable[[str], int]:
    """A whole number from `low` to `high`."""

    def count(text: str) -> int:
        value = _whole_number(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low:,} and {high:,}")
        return value

    count.__name__ = "whole number"  # argparse names the type in its messages
    return count


def _seed(text: str) -> int:
    """A random seed: a whole number from 0 (numpy refuses negative seeds)."""
    value = _whole_number(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value} is not a seed: use 0 to {MAX_SEED}")
    return value


def _sizes(text: str) -> tuple[int, ...]:
    """`300,1000`: training sizes, each a whole number of at least 100; smallest first. A size
    typed twice is refused, naming it (it would be the same evaluation, not a second row; a
    quiet drop would hide the mistyped size meant). Every part that is not a whole number and
    every size out of range is named, in one message."""
    parts = text.split(",")
    sizes, words, outside = [], [], []
    for part in parts:
        try:
            sizes.append(_whole_number(part))
            if not 100 <= sizes[-1] <= MAX_PEOPLE:
                outside.append(str(sizes[-1]))
        except argparse.ArgumentTypeError:
            digits = part.strip().lstrip("+")
            if digits.isascii() and digits.isdigit():  # too many digits to convert
                outside.append(f"a number of {len(digits)} digits")
            else:
                words.append(repr(part.strip()[:20]) if part.strip() else "an empty part")
    problems = []
    if words:
        named = f" (not whole numbers: {', '.join(dict.fromkeys(words))})" if len(parts) > 1 else ""
        problems.append(f"{text[:40]!r} is not a list of whole numbers{named}")
    if outside:
        problems.append(
            "each size must be between 100 and 1,000,000 people "
            f"(not {', '.join(dict.fromkeys(outside))})"
        )
    if problems:
        raise argparse.ArgumentTypeError("; ".join(problems))
    _refuse_repeats("size", [str(size) for size in sizes])
    return tuple(sorted(sizes))


def _truths(text: str) -> tuple[str, ...]:
    """`baseline,thresholds`: names of synthetic truths, in the order given; one typed twice
    is refused, naming it, and so is an empty name between commas (as `--sizes` refuses
    one: a quiet drop would hide the name meant there)."""
    from recommender.learn.synthetic import TRUTHS

    parts = [part.strip() for part in text.split(",")]
    if "" in parts and any(parts):
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} has an empty name between commas; name each truth once"
        )
    names = tuple(part for part in parts if part)
    unknown = list(dict.fromkeys(name for name in names if name not in TRUTHS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown truth {', '.join(unknown) or text!r}; choose from {', '.join(TRUTHS)}"
        )
    _refuse_repeats("truth", list(names))
    return names


def _refuse_repeats(what: str, given: list[str]) -> None:
    """Refuse a list naming something more than once, naming each repeat and how often."""
    counts = {item: given.count(item) for item in dict.fromkeys(given)}
    repeated = [f"{item} ({count} times)" for item, count in counts.items() if count > 1]
    if repeated:
        raise argparse.ArgumentTypeError(
            f"{what}{'s' if len(repeated) > 1 else ''} given more than once: "
            f"{', '.join(repeated)}; give each {what} once"
        )


@contextlib.contextmanager
def _batch() -> Iterator[None]:
    """A batch builds a few small containers per person and per factor, none of them in a
    cycle. Python's cycle collector would walk all the people and results kept so far again
    and again as they pile up: half the time of `recommend` on 20,000 people. Reference
    counting frees everything as usual; the collector is back on when the batch ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_people(stream: TextIO, pack, name: str):
    """Every line checked before anything is written; no people at all is a mistake too."""
    try:
        people = list(read_answers_jsonl(_bounded_lines(stream, name), pack, name))
    except UnicodeDecodeError as error:
        raise AnswersInvalid(f"{name}: is not UTF-8 text (byte {error.start})") from None
    if not people:
        raise AnswersInvalid(f"{name}: holds no answers (one JSON object per line)")
    return people


def _bounded_lines(stream: TextIO, name: str) -> Iterator[str]:
    """The stream's lines, refusing one longer than MAX_LINE_CHARACTERS as soon as it is
    read."""
    number = 0
    while line := stream.readline(MAX_LINE_CHARACTERS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARACTERS:
            raise AnswersInvalid(
                f"{name}:{number}: is longer than {MAX_LINE_CHARACTERS:,} characters; one "
                "person's answers are one line of a few kilobytes"
            )
        yield line  # a byte that is not UTF-8 is named with the line's other problems


def _regular_file(path: Path, option: str) -> None:
    """Refuse an input that is missing, a folder, or a pipe or device (which could block or
    never end), before anything is read."""
    problem = _not_a_regular_file(path, option)
    if problem:
        raise TrackfitError(problem)


def _not_a_regular_file(path: Path, option: str | None) -> Problem | None:
    """Why `path` is no file to read (missing, a folder, a pipe or device), under the option
    that named it (none for an argument of its own); None when it is one."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return Problem(option or "", f"{path}: cannot be read ({error.strerror})")
    if stat.S_ISDIR(mode):
        return Problem(option or "", f"{path} is a folder; give a file")
    if not stat.S_ISREG(mode):
        return Problem(
            option or "", f"{path} is not a regular file (a pipe or device); give a file"
        )
    return None


class _open_input:  # noqa: N801 - used as a context manager like open()
    """stdin, or a named file opened as UTF-8 with a clear message when it cannot be."""

    def __init__(self, path: Path | None):
        self.path = path
        self.handle: TextIO | None = None
        self.stdin: io.TextIOWrapper | None = None

    def __enter__(self) -> tuple[TextIO, str]:
        # utf-8-sig: a byte-order mark some editors write is not part of the first line; a
        # byte that is not UTF-8 is kept as a stand-in for `_bounded_lines` to name its line
        if self.path is None:
            if sys.stdin is None or sys.stdin.closed:
                raise TrackfitError("standard input is closed: give the answers with --input F")
            if getattr(sys.stdin, "buffer", None) is None:  # already text (a test's StringIO)
                return sys.stdin, "stdin"
            _not_utf16(sys.stdin.buffer, "stdin")
            self.stdin = io.TextIOWrapper(
                sys.stdin.buffer, encoding="utf-8-sig", errors="surrogateescape"
            )
            return self.stdin, "stdin"
        _regular_file(self.path, "--input")
        try:
            self.handle = self.path.open(encoding="utf-8-sig", errors="surrogateescape")
        except OSError as error:
            raise TrackfitError(f"{self.path}: cannot be read ({error.strerror})") from None
        try:
            _not_utf16(self.handle.buffer, str(self.path))
        except AnswersInvalid:
            self.handle.close()
            raise
        return self.handle, str(self.path)

    def __exit__(self, *exc_info) -> None:
        if self.handle:
            self.handle.close()
        if self.stdin:
            self.stdin.detach()  # stdin itself stays open


def _not_utf16(buffer, name: str) -> None:
    """Refuse answers saved as UTF-16 once, by name, before any line is read (each of its
    lines would be named as not UTF-8 and not JSON); the bytes looked at stay to be read."""
    peek = getattr(buffer, "peek", None)
    if peek is not None and saved_as_utf16(peek(HEAD_BYTES)[:HEAD_BYTES]):
        raise AnswersInvalid(f"{name}: is saved as UTF-16 text, not UTF-8: save it as UTF-8")


def _longest_name(folder: Path) -> int:
    """The longest file name, in bytes, a folder takes (255 where the system does not say)."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _check_writable(path: Path, option: str) -> None:
    """Refuse an output path that cannot be written, before any work is done (os.path's
    tests, which say no to a name the system cannot look up, where Path's raise)."""
    if os.path.isdir(path):
        raise TrackfitError(f"{option}: {path} is a folder; give a file name")
    if not os.path.isdir(path.parent):
        raise TrackfitError(f"{option}: {path.parent} is not a folder that exists")
    longest = _longest_name(path.parent)
    if len(os.fsencode(path.name)) > longest:
        raise TrackfitError(
            f"{option}: the file name is {len(os.fsencode(path.name)):,} bytes long; this "
            f"folder takes names of at most {longest}"
        )
    if os.path.islink(path) or (os.path.exists(path) and not os.path.isfile(path)):
        # replacing it would replace the link, pipe or device itself (/dev/null, as root)
        raise TrackfitError(
            f"{option}: {path} is a link, pipe or device; give a regular file's name"
        )


@contextlib.contextmanager
def _written(path: Path, *, option: str | None = None, mode: int = 0o666) -> Iterator[Path]:
    """A temporary file beside `path`, renamed to it only when everything was written: an
    output is whole or not there. With `option`, a folder it cannot be made in is refused
    naming the option; its permissions are `mode` less the umask, as `open` would make it."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        if option is None:
            raise
        raise TrackfitError(f"{option}: cannot write in {path.parent} ({error.strerror})") from None
    os.close(handle)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(name, mode & ~mask)  # not mkstemp's 0600, unless asked
    temporary = Path(name)  # a name of its own: two outputs, or two runs, never share one
    try:
        yield temporary
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def _write_jsonl(stream: TextIO, records) -> None:
    """One JSON object per line, without spaces after separators (orjson: the standard
    library's encoder was a quarter of a batch's time, 1.5 s of 20,000 people)."""
    option = orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY
    write = stream.write
    for record in records:
        write(orjson.dumps(record, option=option).decode())


if __name__ == "__main__":
    sys.exit(main())
