"""The model card page shows names from uploaded data as written: a group named like a
Markdown link, image or HTML is text on the page, never a live link, image or element."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recommender.learn.fairness import fairness_report
from recommender.learn.model_card import render_model_card

LINK_GROUP = "[click](https://evil.example)"
IMAGE_GROUP = "![pixel](https://evil.example/p.png)"
HTML_GROUP = "<script>alert(1)</script>"


@pytest.fixture
def hr(client, make_user):
    make_user("hr@example.com", "hr", "Hana")
    client.login("hr@example.com")
    return client


def test_group_names_written_as_markdown_show_literally_on_the_card(app, hr):
    hr.get("/hr/models")  # the app has published its first version by now
    version = Path(app.config["TRACKFIT_MODELS"]) / "v1"
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    groups = np.array([LINK_GROUP] * 40 + [IMAGE_GROUP] * 40 + [HTML_GROUP] * 40, dtype=object)
    chosen = np.arange(120) % 3 == 0
    manifest["fairness"] = fairness_report({"manager_recommended": chosen}, {"team": groups})
    # The card as training writes it for a version whose outcome file had these groups
    (version / "card.md").write_text(render_model_card(manifest), encoding="utf-8")

    response = hr.get("/hr/models/v1/card")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "evil.example" in html  # shown ...
    assert 'href="https://evil.example' not in html  # ... but not a link
    assert 'src="https://evil.example' not in html  # ... nor an image
    assert "<script>alert" not in html
    assert "[click](https://evil.example)" in html
    assert "![pixel](https://evil.example/p.png)" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
