"""The model card page shows names from uploaded data as written: a group named like a
Markdown link, image or HTML is text on the page, never a live link, image or element. Its
tables scroll in named regions rather than break their words on a phone."""

from __future__ import annotations

import json
import os
import re
import shutil
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


@pytest.mark.timeout(30)
def test_a_huge_card_is_a_422_naming_the_bound_not_a_hang(app, hr):
    card = Path(app.config["TRACKFIT_MODELS"]) / "v1" / "card.md"
    with card.open("ab") as stream:
        stream.truncate(30 << 20)  # the attacker's 30 MB card (a sparse file)
    response = hr.get("/hr/models/v1/card")
    assert response.status_code == 422
    assert "card.md: is larger than 256 KB" in response.get_data(as_text=True)


def test_a_card_that_links_elsewhere_is_a_422_and_what_it_points_at_is_never_shown(
    app, hr, tmp_path
):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    card = Path(app.config["TRACKFIT_MODELS"]) / "v1" / "card.md"
    card.unlink()
    card.symlink_to(secret)
    response = hr.get("/hr/models/v1/card")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "card.md: is a symbolic link" in html
    assert "root:x:0:0" not in html


def test_a_card_that_is_a_fifo_is_a_422_not_a_wait(app, hr):
    card = Path(app.config["TRACKFIT_MODELS"]) / "v1" / "card.md"
    card.unlink()
    os.mkfifo(card)
    response = hr.get("/hr/models/v1/card")
    assert response.status_code == 422
    assert "card.md: is not a regular file" in response.get_data(as_text=True)


def test_a_linked_manifest_is_a_problem_on_the_models_page_not_a_500(app, hr, tmp_path):
    manifest = Path(app.config["TRACKFIT_MODELS"]) / "v1" / "manifest.json"
    shutil.copy(manifest, tmp_path / "manifest.json")
    manifest.unlink()
    manifest.symlink_to(tmp_path / "manifest.json")
    for url in ("/hr/models", "/hr/models/v1", "/hr/models/v1/card"):
        response = hr.get(url)
        assert response.status_code in (200, 422), url
        assert "manifest.json: is a symbolic link" in response.get_data(as_text=True), url


def test_each_table_of_the_card_is_a_named_region_whose_rows_stack_on_a_phone(app, hr):
    """A card's tables are wider than a phone: each sits in a region named by the heading above
    it, and stacks each row as a block whose cells name their columns (an outside review: at
    390 px the fairness tables' flag and adjusted p were off screen)."""
    html = hr.get("/hr/models/v1/card").get_data(as_text=True)
    tables = html.count("<table")
    regions = re.findall(
        r'<div class="table-scroll" role="region" aria-label="([^"]*)" tabindex="0">'
        r'<table class="stacks">',
        html,
    )
    assert tables >= 2 and len(regions) == tables
    assert regions[0].startswith("Cross-fitted comparison")
    assert "Evaluation at company sizes (synthetic people, truth known)" in regions
    assert '<td data-label="track">ic</td>\n<td data-label="rows">16,025</td>' in html
    cells = re.findall(r"<td( data-label=\"[^\"]*\")?>", html)
    assert cells and all(cells)  # every cell names its column
