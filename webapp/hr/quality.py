"""Questionnaire quality for HR: reliability of each construct on the stored responses."""

from __future__ import annotations

import numpy as np
from flask import render_template
from sqlalchemy import select

from recommender import Answers, AnswersInvalid, score_many
from recommender.quality import FLAG_IDS, FLAG_MESSAGES
from recommender.reliability import WEAK_ITEM, questionnaire_quality
from recommender.scoring import answer_matrix
from webapp import advice
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.hr import bp

MIN_RESPONSES = 30


@bp.route("/quality")
def quality():
    """Per construct: n, alpha with its interval, omega, item statistics and traffic lights;
    the share of responses with quality flags (left out of the statistics and of training)."""
    pack = advice.current_pack()
    people = []
    rows = db.session.execute(
        select(Assessment.id, Assessment.answers, Assessment.context, Assessment.timings).where(
            Assessment.completed_at.is_not(None), Assessment.pack == pack.ref
        )
    )
    for assessment_id, answers, context, timings in rows:
        try:
            people.append(
                Answers.from_json(
                    {
                        "employee_id": str(assessment_id),
                        "answers": answers,
                        "context": context,
                        "timings": timings or {},
                    },
                    pack,
                )
            )
        except AnswersInvalid:
            continue  # not the pack's shape any more; counted as not usable
    report = None
    flag_counts = {}
    if people:
        profiles = score_many(pack, people)
        flagged = np.any([profiles.flags[flag] for flag in FLAG_IDS], axis=0)
        flag_counts = {flag: int(profiles.flags[flag].sum()) for flag in FLAG_IDS}
        report = questionnaire_quality(pack, answer_matrix(pack, people), flagged)
    return render_template(
        "hr/quality.html",
        pack=pack,
        report=report,
        flag_counts=flag_counts,
        flag_messages=FLAG_MESSAGES,
        construct_labels={c.id: c.label for c in pack.questionnaire.constructs},
        min_responses=MIN_RESPONSES,
        weak_item=WEAK_ITEM,
    )
