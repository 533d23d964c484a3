"""trackfit's recommender: packs, scoring, levels, rules and the track model; no web, no database.

`recommend(answers)` and `recommend_many(batch)` open the active model each call; keep a
`Recommender.open()` for repeated use.
"""

from recommender.answers import Answers
from recommender.errors import AnswersInvalid, PackInvalid, TrackfitError
from recommender.pack import Pack, load_pack
from recommender.profile import Profile, ProfileBatch
from recommender.recommendation import Recommender, recommend, recommend_many
from recommender.registry import ModelRefused, Registry
from recommender.scoring import score, score_many

__all__ = [
    "Answers",
    "AnswersInvalid",
    "ModelRefused",
    "Pack",
    "PackInvalid",
    "Profile",
    "ProfileBatch",
    "Recommender",
    "Registry",
    "TrackfitError",
    "load_pack",
    "recommend",
    "recommend_many",
    "score",
    "score_many",
]
