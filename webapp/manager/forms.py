"""The manager's forms: their rating of the report's competencies, notes, the decision."""

from __future__ import annotations

import hashlib
import json

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, StopValidation

from webapp import answering
from webapp.answering import ANCHORED, Pack
from webapp.column_text import FitsColumn, TextAreaAsTyped, has_visible_text, nothing_hidden
from webapp.paging import ListFilters, search_field

NOTE_LIMIT = 10_000
# characters: why, in a sentence ("She wants to try leading first"), not "x" or "ok". Half a
# promotion's justification (MIN_JUSTIFICATION, 30), which argues a case to HR in a paragraph
# where this says why in a sentence or two, and counted as it is: a letter of a script written
# without spaces (Chinese, Japanese, Thai) as two
MIN_REASON = 15
MIN_REASON_WORDS = 2  # different words: a reason, not fifteen "x"s or key-mashing


# what the team page's "Shared" filter picks, by its value: every report, those with an
# assessment shared with you, those whose newest shared assessment waits for a 1:1 (no
# decision recorded), those who shared nothing
SHARED_CHOICES = {
    "": "Everyone",
    "shared": "Shared an assessment with you",
    "waiting": "Waiting for a 1:1",
    "nothing": "Nothing shared",
}


class TeamFilterForm(ListFilters):
    """Filters of a manager's team page."""

    FIELDS = ("text", "shared")

    text = search_field("Name or email")
    shared = SelectField(
        "Shared",
        choices=[SelectChoice(value, label) for value, label in SHARED_CHOICES.items()],
        validators=[Optional()],
        invalid_choice_message="Choose one of the choices listed.",
    )


def not_rated_when_nothing_chosen(form, field) -> None:
    """A competency left unrated (no statement chosen) is no error; any other value must be
    one of the statements. Unlike `Optional`, a value of spaces is not "nothing chosen": no
    browser sends one, and it is refused by name rather than read as a rating."""
    if not field.raw_data or field.raw_data[0] == "":
        field.errors[:] = []
        raise StopValidation()


def ratings_form_class(pack: Pack, name: str) -> type[FlaskForm]:
    """A form with the pack's anchored statements, one choice per competency item."""

    class RatingsForm(FlaskForm):
        # the ratings as the page showed them (`ratings_seen`), so that a page opened before a
        # save from another tab or window does not replace what that save kept
        ratings_seen = HiddenField()
        conflict = False  # set when refused for a save since its page: nothing was kept

        def saved_meanwhile(self, stored: dict[str, int]) -> bool:
            """Whether ratings were saved since this form's page showed them that this form
            would change to something chosen on it: each such rating gets an error, and the
            form takes the ratings as seen, so that saving again replaces them knowingly. A
            rating the page sends back as it showed it was not chosen there: the later save
            stands. A form that names no ratings as seen (not from the 1:1 page) is not
            checked."""
            shown = _ratings_shown(self.ratings_seen.data)
            if shown is None or shown == stored:
                return False
            changed = []
            for field in self:
                if field.type != "RadioField":
                    continue
                sent, kept = _chosen(field), stored.get(field.name)
                if sent == kept:
                    continue
                if sent == shown.get(field.name):  # not chosen on this page: the save stands
                    field.data = None if kept is None else str(kept)
                    continue
                changed.append(field)
                field.errors = [
                    "Your rating here was saved from another tab or window after this page "
                    f"was opened, as {f'{kept} of 5' if kept else 'not rated'} (the table "
                    "above shows it). Nothing was saved: your choice is kept here; save again "
                    "to keep it."
                ]
            self.ratings_seen.data = ratings_seen(stored)
            return bool(changed)

    labels = {c.id: c.label for c in pack.framework.competencies}
    for item in pack.questionnaire.items:
        if item.kind == ANCHORED:
            setattr(
                RatingsForm,
                item.id,
                RadioField(
                    f"Which statement best describes {name}'s typical work in "
                    f"{labels[item.competency].lower()}?",
                    choices=[SelectChoice(a.value, a.label) for a in item.anchors],
                    validators=[not_rated_when_nothing_chosen],
                    invalid_choice_message="Choose one of the statements, or none to leave "
                    "it unrated.",
                ),
            )
    return RatingsForm


def _chosen(field) -> int | None:
    """The rating a radio field holds, or None when nothing is chosen."""
    return None if field.data in (None, "", "None") else int(field.data)


def ratings_seen(ratings: dict[str, int]) -> str:
    """What a ratings form carries of the ratings as its page showed them: the manager's own
    ratings, which the page shows anyway."""
    return json.dumps(ratings, sort_keys=True)


def _ratings_shown(carried: str | None) -> dict[str, int] | None:
    """The ratings a form's page showed (`ratings_seen`), or None when it names none or
    names them in a shape the page never writes (nothing is checked then)."""
    try:
        shown = json.loads(carried or "")
    except ValueError:
        return None
    if not isinstance(shown, dict):
        return None
    if not all(isinstance(k, str) and type(v) is int for k, v in shown.items()):
        return None
    return shown


def nothing_newly_hidden(form, field) -> None:
    """`nothing_hidden`, for a note other than the one stored (`form.stored`, by field): a
    note kept from before such characters were refused comes back unchanged with every save,
    and must not stop the manager saving the other one (it is shown isolated, `<bdi>`)."""
    if (field.data or "").strip() != (getattr(form, "stored", {}).get(field.name) or ""):
        nothing_hidden(form, field)


def seen(note: str) -> str:
    """What a notes form carries of a note as its page showed it: the note's digest."""
    return hashlib.sha256(note.encode("utf-8")).hexdigest()


class NotesForm(FlaskForm):
    """Notes only the manager sees, and notes the employee sees on their result and the
    manager prints; neither holds a character nobody sees. `stored`: the notes kept now.
    Each note's `*_seen` is the note as the page showed it (`seen`), so that a page opened
    before a save from another tab or window does not replace what that save kept."""

    private_notes = TextAreaAsTyped(
        "Private notes (only you see these)",
        validators=[FitsColumn(length=NOTE_LIMIT), nothing_newly_hidden],
    )
    shared_notes = TextAreaAsTyped(
        "Notes shared with the employee (shown on their result)",
        validators=[FitsColumn(length=NOTE_LIMIT), nothing_newly_hidden],
    )
    private_notes_seen = HiddenField()
    shared_notes_seen = HiddenField()
    conflict = False  # set when refused for a save since its page: nothing was kept

    @classmethod
    def showing(cls, private_notes: str, shared_notes: str) -> NotesForm:
        """The form as a page shows the notes kept now."""
        form = cls(data={"private_notes": private_notes, "shared_notes": shared_notes})
        form.private_notes_seen.data, form.shared_notes_seen.data = (
            seen(private_notes),
            seen(shared_notes),
        )
        return form

    def saved_meanwhile(self) -> dict[str, str]:
        """The notes (by field) saved since this form's page showed them, which it would
        replace with something else typed on it: each gets an error, and the page shows it as
        saved now and takes it as seen, so that saving again replaces it knowingly. A note
        the page sends back as it showed it was not edited there: the later save stands. A
        form that names no note as seen (not from the 1:1 page) is not checked."""
        stored = getattr(self, "stored", {})
        meanwhile = {}
        for field in (self.private_notes, self.shared_notes):
            kept, shown = stored.get(field.name) or "", self[f"{field.name}_seen"]
            sent = (field.data or "").strip()
            if not shown.data or shown.data == seen(kept) or sent == kept:
                continue
            if seen(sent) == shown.data:  # not edited on this page: the later save stands
                field.data = kept
                continue
            meanwhile[field.name] = kept
            shown.data = seen(kept)
            field.errors = [
                *field.errors,
                "This note was saved from another tab or window after this page was opened, "
                "so nothing was saved: what you typed is kept here, and the note as saved now "
                "is below it. Keep what you want of both and save again.",
            ]
        return meanwhile


class DecisionForm(FlaskForm):
    """The agreed track and target level; a reason when it differs from the advice."""

    track = SelectField(
        "Agreed track", choices=[], invalid_choice_message="Choose one of the tracks listed."
    )
    target_level = SelectField(
        "Agreed target level",
        choices=[],
        description="A level of the agreed track: the list groups the levels by track.",
        invalid_choice_message="Choose one of the levels listed.",
    )
    # checked for hidden characters whether or not it is required: it is kept and exported
    reason = TextAreaAsTyped(
        "Why, when it differs from the advice",
        validators=[FitsColumn(length=NOTE_LIMIT), nothing_hidden],
        description="Required when the track or level differs from the recommendation: a "
        f"sentence or two, at least {MIN_REASON} characters.",
    )
    # the decision in force as the page showed it (its id, or NO_DECISION), so that a page
    # opened before another decision was recorded does not replace it unawares
    replaces = HiddenField()
    conflict = False  # set when refused for a decision recorded since its page: none recorded


def reason_problem(reason: str) -> str | None:
    """What a decision's reason (trimmed) lacks to say why, or None: anything to read (see
    `has_visible_text`), a letter ("...", "42" have none), MIN_REASON characters, and words
    (`not_written`: not placeholder text nor keys typed at random, MIN_REASON_WORDS different
    words at least)."""
    if not has_visible_text(reason):
        return "say why, in a sentence or two"
    if not any(character.isalpha() for character in reason):
        return "say why in words, in a sentence or two; this has no letters"
    if answering.counted_length(reason) < MIN_REASON:
        counted = answering.COUNTS_AS_TWO if answering.UNSPACED.search(reason) else ""
        return (
            f"say why, in a sentence or two; this is {len(reason)} "
            f"character{'' if len(reason) == 1 else 's'}, and a reason is at least "
            f"{MIN_REASON}{counted}"
        )
    return answering.not_written(reason, "a reason", fewest=MIN_REASON_WORDS)


def level_choices(pack: Pack) -> list[SelectChoice]:
    """The pack's levels, grouped by the track they belong to (levels both tracks share in a
    group of their own, so no level is listed twice), each group in grade order."""
    framework = pack.framework
    order = list(framework.track_ids)
    titles = {track.id: track.title for track in framework.tracks}
    groups = {
        track_ids: (titles[track_ids[0]] if len(track_ids) == 1 else "Both tracks (shared levels)")
        for track_ids in sorted(
            {level.tracks for level in framework.levels},
            key=lambda ids: (-len(ids), [order.index(t) for t in ids]),
        )
    }
    ordered = sorted(
        framework.levels, key=lambda lv: (list(groups).index(lv.tracks), lv.grade, lv.id)
    )
    return [
        SelectChoice(level.id, f"{level.title} ({level.id})", optgroup=groups[level.tracks])
        for level in ordered
    ]
