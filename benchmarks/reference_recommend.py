"""A lean numpy reference for batch recommendation: the same arithmetic, nothing else.

JSON lines in; item scoring with reverse keys into construct means and competencies; the two
per-track logistic models of a registry version (piecewise-linear shapes); per-factor
contributions; JSON lines out. No validation, no levels, no rules, no messages: it is the
floor that `trackfit recommend` is measured against.

    python benchmarks/reference_recommend.py PACK_DIR MODEL_DIR < answers.jsonl > out.jsonl
"""

import json
import sys

import numpy as np
import yaml


def main() -> None:
    """Read the pack and model, then score every line of stdin."""
    pack_dir, model_dir = sys.argv[1], sys.argv[2]
    with open(f"{pack_dir}/questionnaire.yaml", encoding="utf-8") as stream:
        questionnaire = yaml.safe_load(stream)
    with open(f"{pack_dir}/framework.yaml", encoding="utf-8") as stream:
        framework = yaml.safe_load(stream)
    scales = dict(questionnaire.get("scales", {}))
    sections = []
    for section in questionnaire["sections"]:
        if "shared" not in section:
            sections.append(section)
            continue
        # a shared part (`- shared: motivation@1`) brings its scales and sections
        with open(f"{pack_dir}/../shared/{section['shared']}.yaml", encoding="utf-8") as stream:
            part = yaml.safe_load(stream)
        scales |= part.get("scales", {})
        sections.extend(part["sections"])
    items = [i for s in sections for i in s["items"] if i["kind"] in ("likert", "anchored")]
    column = {item["id"]: j for j, item in enumerate(items)}
    low = np.array([scales[i["scale"]]["min"] if "scale" in i else 1 for i in items], float)
    high = np.array([scales[i["scale"]]["max"] if "scale" in i else 5 for i in items], float)
    reverse = np.array([i.get("reverse", False) for i in items])
    model = np.load(f"{model_dir}/model.npz", allow_pickle=False)
    names = [str(n) for n in model["feature_names"]]
    # the constructs and competencies, in the model's order of features
    groups = [n.split(".", 1)[1] for n in names if n.startswith(("constructs.", "competencies."))]
    member = np.zeros((len(items), len(groups)))
    for j, item in enumerate(items):
        member[j, groups.index(item.get("construct") or item.get("competency"))] = 1

    knots = [model[f"knots_{j}"] for j in range(len(names))]
    shapes = {t: [model[f"shape_{t}_{j}"] for j in range(len(names))] for t in ("ic", "manager")}
    intercept = dict(zip(("ic", "manager"), model["intercepts"], strict=True))
    fill, centre = model["fill"], model["centre"]

    records = [json.loads(line) for line in sys.stdin if line.strip()]
    raw = np.full((len(records), len(items)), np.nan)
    context = np.full((len(records), 5), np.nan)
    grades = {lv["id"]: lv["grade"] for lv in framework["levels"]}
    for row, record in enumerate(records):
        for key, value in record["answers"].items():
            if key in column:
                raw[row, column[key]] = value
        ctx = record.get("context", {})
        context[row] = [
            ctx.get("years_experience", np.nan),
            ctx.get("years_at_level", np.nan),
            ctx.get("direct_reports", np.nan),
            grades.get(ctx.get("current_level"), np.nan),
            float(ctx["current_track"] == "manager") if "current_track" in ctx else np.nan,
        ]
    answered = ~np.isnan(raw)
    scored = np.where(reverse, low + high - raw, raw)
    counts = answered @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(answered, scored, 0) @ member / counts
    means[2 * counts < member.sum(0)] = np.nan
    x = np.hstack([means, context])
    x = np.where(np.isnan(x), fill, x)
    parts = {
        t: np.column_stack([np.interp(x[:, j], knots[j], shapes[t][j]) for j in range(len(names))])
        for t in ("ic", "manager")
    }
    p = {t: 1 / (1 + np.exp(-(intercept[t] + parts[t].sum(1)))) for t in parts}
    effects = parts["manager"] - parts["ic"] - centre
    out = sys.stdout
    for row, record in enumerate(records):
        out.write(
            json.dumps(
                {
                    "employee_id": record["employee_id"],
                    "p_success": {t: float(p[t][row]) for t in p},
                    "factors": [
                        {"feature": n, "effect": float(e)}
                        for n, e in zip(names, effects[row], strict=True)
                    ],
                }
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
