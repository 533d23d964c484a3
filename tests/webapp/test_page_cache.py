"""Kept result bodies: bounded, per pack, dropped on deletion, never older than their lifetime."""

import os
import shutil
from pathlib import Path

from markupsafe import Markup

from recommender.pack.loading import load_pack
from webapp.results.page_cache import RenderedResults

ROOT = Path(__file__).resolve().parents[2]


class Renderer:
    """Counts renders, so a test can tell a kept body from a fresh one."""

    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return Markup(f"<p>render {self.count}</p>")


def test_a_body_is_rendered_once_then_kept():
    kept, render, pack = RenderedResults(), Renderer(), load_pack("engineering")
    assert kept.body(1, "t", pack, render) == kept.body(1, "t", pack, render)
    assert render.count == 1


def test_each_pack_version_keeps_its_own_bodies():
    kept, render = RenderedResults(), Renderer()
    engineering, design = load_pack("engineering"), load_pack("product-design")
    for pack in (engineering, design, engineering, design):
        kept.body(1, "t", pack, render)
    assert render.count == 2
    assert len(kept) == 2


def test_a_reloaded_pack_drops_the_bodies_worded_with_its_old_files(tmp_path):
    shutil.copytree(ROOT / "questionnaires" / "engineering", tmp_path / "engineering")
    kept, render = RenderedResults(), Renderer()
    kept.body(1, "t", load_pack(tmp_path / "engineering"), render)
    rules = tmp_path / "engineering" / "rules.yaml"
    rules.write_text(rules.read_text() + "\n", encoding="utf-8")
    os.utime(rules, ns=(1, 1))
    kept.body(1, "t", load_pack(tmp_path / "engineering"), render)
    assert render.count == 2
    assert len(kept) == 1


def test_the_least_recently_used_body_goes_first():
    kept, render, pack = RenderedResults(capacity=2), Renderer(), load_pack("engineering")
    for assessment_id in [1, 2, 1, 3]:
        kept.body(assessment_id, "t", pack, render)
    kept.body(1, "t", pack, render)
    assert render.count == 3  # 1 was used recently and kept; 2 was dropped
    kept.body(2, "t", pack, render)
    assert render.count == 4


def test_forgetting_an_assessment_drops_all_its_bodies():
    kept, render, pack = RenderedResults(), Renderer(), load_pack("engineering")
    kept.body(7, "t", pack, render)
    kept.body(7, "t2", pack, render)
    kept.body(8, "t", pack, render)
    kept.forget(7)
    assert len(kept) == 1


def test_a_body_older_than_its_lifetime_is_rendered_again():
    kept, render, pack = RenderedResults(lifetime=0.0), Renderer(), load_pack("engineering")
    kept.body(1, "t", pack, render)
    kept.body(1, "t", pack, render)
    assert render.count == 2
