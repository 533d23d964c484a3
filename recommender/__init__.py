"""trackfit's recommender: packs, scoring, levels and rules; no web, no database."""

from recommender.answers import Answers
from recommender.errors import AnswersInvalid, PackInvalid, TrackfitError
from recommender.pack import Pack, load_pack
from recommender.profile import Profile, ProfileBatch
from recommender.scoring import score, score_many

__all__ = [
    "Answers",
    "AnswersInvalid",
    "Pack",
    "PackInvalid",
    "Profile",
    "ProfileBatch",
    "TrackfitError",
    "load_pack",
    "score",
    "score_many",
]
