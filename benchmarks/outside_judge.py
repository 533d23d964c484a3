"""trackfit judged on a workforce simulation written apart from its own generator, through the
command line as an outside analyst would use it: `trackfit train` on outcome CSVs, then
`trackfit recommend --version` on fresh people's answers, beside the two peers an analyst
builds in an afternoon, on the same rows.

The simulation was written by a reviewer who had read only the design's contracts and the
engineering pack (not `recommender/learn/synthetic.py`). Its assumptions, each below:

- Traits: standard-normal L (motivation to lead), C (technical craft), I (tolerance of
  interruptions), S (status ambition), P (interpersonal skill), D (drive to develop others),
  G (general ability), correlated; years of experience gamma-distributed (mean about 9).
- Constructs are noisy mixes of traits (a construct is not a trait: each has variance of its
  own); Likert items follow a graded response model (discriminations 0.6-2.6, thresholds of
  their own), with acquiescence, extreme or midpoint responding, blanks (a few people many),
  3% careless responders who fail the attention checks. Competency self-ratings are true
  proficiency (traits, experience, managing now) plus self-enhancement tied to S.
- Track taken: self-selection from traits and noise; people who manage now mostly stay.
- Truths (log-odds of success; sig is the logistic function, yz standardised log years):
  a, smooth and additive: IC .15+.65C+.3G-.25I+.2yz-.15L; manager -.1+.6L+.45P+.35I+.2D-.25C
  +.25yz-.2S. b, an interaction and saturation: IC -.9+1.4 tanh(1.2C)+1.3(1-e^(-Y/4))
  -S sig(-2.5C)+.2G; manager -1.3+2.4 tanh(L+.4) sig(2.5I)+1.2(1-e^(-Y/4))+.3P. c, manager
  success follows the weakest of L, P and I+.3 (a soft minimum), status-seekers fail as
  managers, strong specialists thrive as ICs: manager .35+1.3 softmin(L,P,I+.3)-.55 max(S,0)
  +.35 tanh(yz)+.2G; IC (1-w)(-.2+.45C+.2G-.3 max(I,0)+.15yz)+1.8w, w=sig(4(C+.5G-1.5)).

Printed per truth and training size (the mean over training seeds): gain (share of the step
from a coin flip to the better track for everyone) of trackfit's advice, of its model alone
and of each peer; calibration error (mean |stated - true| chance on the track each would
recommend); trackfit's 90% interval coverage of the true chance per track, and its width.
A measurement, not a test: nothing is asserted.

    .venv/bin/python benchmarks/outside_judge.py [--sizes 300,1000,4000] [--seeds 2]
        [--test-n 5000] [--truths a,b,c] [--from-scratch]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
TRACKFIT = str(Path(sys.executable).with_name("trackfit"))
PACK = "engineering"
TRAITS = ("L", "C", "I", "S", "P", "D", "G")
CORRELATIONS = {
    ("L", "P"): 0.35, ("L", "D"): 0.40, ("L", "I"): 0.25, ("L", "S"): 0.25, ("C", "I"): -0.30,
    ("C", "G"): 0.35, ("P", "D"): 0.30, ("C", "L"): -0.15, ("P", "I"): 0.20, ("S", "D"): -0.10,
}  # fmt: skip
# construct <- (trait weights, noise of its own)
CONSTRUCTS = {
    "lead_affective": ({"L": 0.9}, 0.45),
    "lead_social_normative": ({"L": 0.5, "P": 0.35}, 0.7),
    "lead_noncalculative": ({"L": 0.35, "S": -0.45}, 0.75),
    "develop_others": ({"D": 0.85}, 0.5),
    "craft_depth": ({"C": 0.85}, 0.5),
    "org_influence": ({"L": 0.5, "S": 0.45}, 0.6),
    "hands_on_time": ({"C": 0.6, "I": -0.5}, 0.55),
    "interruptions_tolerance": ({"I": 0.85}, 0.5),
    "conflict_comfort": ({"P": 0.8}, 0.55),
    "extrinsic_motive": ({"S": 0.85}, 0.5),
}
# competency <- (offset from the experience base, trait weights, weight of managing now, noise)
COMPETENCIES = {
    "technical_depth": (0.0, {"C": 0.6, "G": 0.25}, 0.0, 0.3),
    "system_design": (-0.1, {"C": 0.45, "G": 0.35}, 0.0, 0.35),
    "delivery": (0.0, {"G": 0.35, "P": 0.15}, 0.0, 0.35),
    "communication": (-0.1, {"P": 0.45, "G": 0.15}, 0.0, 0.35),
    "collaboration_influence": (-0.4, {"P": 0.4, "L": 0.25}, 0.0, 0.35),
    "mentoring": (-0.5, {"D": 0.45, "P": 0.2}, 0.0, 0.35),
    "people_leadership": (-1.0, {"L": 0.35, "P": 0.3}, 1.0, 0.35),
    "strategy": (-0.9, {"G": 0.3, "S": 0.2, "L": 0.2}, 0.4, 0.4),
    "hiring_team_building": (-1.0, {"L": 0.25}, 0.9, 0.4),
}
CONTEXT_COLUMNS = ("years_experience", "years_at_level", "direct_reports")


def sig(x):
    return 1 / (1 + np.exp(-x))


class Questionnaire:
    """The pack's items as `trackfit schema` gives them, with fixed psychometrics of their own
    (the same whatever the people's seed)."""

    def __init__(self, schema: dict):
        self.items = schema["items"]
        self.likert = [i for i in self.items if i["kind"] == "likert"]
        self.attention = [i for i in self.items if i["kind"] == "attention"]
        self.anchored = [i for i in self.items if i["kind"] == "anchored"]
        rng = np.random.default_rng(12345)
        self.discrimination = {i["id"]: rng.uniform(0.6, 2.6) for i in self.likert}
        self.location = {i["id"]: rng.normal(0, 0.45) for i in self.likert}
        self.steps = {i["id"]: np.sort(rng.normal([-2, -0.8, 0.3, 1.5], 0.25)) for i in self.likert}
        self.rating_noise = {i["id"]: rng.uniform(0.35, 0.7) for i in self.anchored}


def simulate(questionnaire: Questionnaire, n: int, seed: int, truth: str) -> dict:
    """People, their answers and context, their true chance on each track, the track they took
    and whether they succeeded."""
    rng = np.random.default_rng(seed)
    correlation = np.eye(len(TRAITS))
    for (a, b), r in CORRELATIONS.items():
        i, j = TRAITS.index(a), TRAITS.index(b)
        correlation[i, j] = correlation[j, i] = r
    drawn = rng.multivariate_normal(np.zeros(len(TRAITS)), correlation, size=n)
    t = {name: drawn[:, j] for j, name in enumerate(TRAITS)}
    t["Y"] = np.clip(rng.gamma(2.2, 4.0, n), 0.3, 40)
    t["yz"] = (np.log1p(t["Y"]) - 2.2) / 0.7
    context = _context(t, rng)
    scores = {}
    for construct, (weights, noise) in CONSTRUCTS.items():
        score = sum(w * t[trait] for trait, w in weights.items()) + rng.normal(0, noise, n)
        scores[construct] = score / score.std()
    proficiency = {
        name: 2.3 + 0.75 * t["yz"] + offset + sum(w * t[k] for k, w in weights.items())
        + managing * context["managing"] + rng.normal(0, noise, n)
        for name, (offset, weights, managing, noise) in COMPETENCIES.items()
    }  # fmt: skip
    answers = _answers(questionnaire, t, scores, proficiency, rng)
    p_ic, p_manager = TRUTHS[truth](t)
    takes = -1.0 + 0.9 * t["L"] + 0.45 * t["S"] + 0.35 * t["I"] - 0.4 * t["C"]
    takes = takes + 2.8 * context["managing"] - 0.8 * (context["grade"] < 3) + rng.normal(0, 0.8, n)
    manager = rng.random(n) < sig(takes)
    success = rng.random(n) < np.where(manager, p_manager, p_ic)
    return {
        "n": n, "years": t["Y"], "context": context, "answers": answers,
        "p": {"ic": p_ic, "manager": p_manager}, "manager": manager, "success": success,
    }  # fmt: skip


def _context(t: dict, rng) -> dict:
    n = len(t["L"])
    grade = 1 + 0.33 * t["Y"] + 0.5 * t["C"] + 0.3 * t["G"] + rng.normal(0, 0.8, n)
    grade = np.clip(np.floor(grade), 1, 7).astype(int)
    leans = sig(
        -1.6 + 1.1 * t["L"] + 0.4 * t["S"] + 0.4 * t["I"] - 0.3 * t["C"] + 0.15 * (grade - 3)
    )
    managing = (grade >= 3) & (rng.random(n) < leans)
    level = np.where(
        managing, np.char.add("M", grade.astype(str)), np.char.add("L", grade.astype(str))
    )
    return {
        "grade": grade,
        "managing": managing.astype(float),
        "level": level,
        "years_at_level": np.round(np.minimum(t["Y"], rng.gamma(1.5, 1.4, n)), 1),
        "direct_reports": np.where(
            managing, rng.poisson(6, n) + 1, (rng.random(n) < 0.05) * rng.integers(1, 3, n)
        ),
    }


def _answers(questionnaire: Questionnaire, t, scores, proficiency, rng) -> dict[str, np.ndarray]:
    n = len(t["L"])
    acquiescence = rng.normal(0, 0.35, n)
    extremity = np.exp(rng.normal(0, 0.35, n))  # above 1 extreme, below midpoint responding
    blanks = rng.beta(0.6, 25, n)
    careless = rng.random(n) < 0.03
    enhancement = 0.3 * t["S"] + rng.normal(0.15, 0.3, n)
    answers = {}
    for item in questionnaire.likert:
        key = item["id"]
        standing = scores[item["construct"]] * (-1 if item["reverse"] else 1)
        a = questionnaire.discrimination[key] * extremity
        above = sig((a * (standing - questionnaire.location[key] + acquiescence))[:, None]
                    - a[:, None] * questionnaire.steps[key][None, :])  # fmt: skip
        value = 1 + (rng.random(n)[:, None] < above).sum(axis=1)
        value = np.where(careless, rng.integers(1, 6, n), value).astype(float)
        value[rng.random(n) < blanks] = np.nan
        answers[key] = value
    for item in questionnaire.attention:
        right = rng.random(n) < np.where(careless, 0.3, 0.97)
        answers[item["id"]] = np.where(right, item["expected"], rng.integers(1, 6, n)).astype(float)
    for item in questionnaire.anchored:
        noise = rng.normal(0, questionnaire.rating_noise[item["id"]], n)
        value = np.clip(np.round(proficiency[item["competency"]] + enhancement + noise), 1, 5)
        value[rng.random(n) < blanks * 0.3] = np.nan
        answers[item["id"]] = value
    return answers


def _smooth(t):
    ic = 0.15 + 0.65 * t["C"] + 0.3 * t["G"] - 0.25 * t["I"] + 0.2 * t["yz"] - 0.15 * t["L"]
    manager = (-0.1 + 0.6 * t["L"] + 0.45 * t["P"] + 0.35 * t["I"] + 0.2 * t["D"]
               - 0.25 * t["C"] + 0.25 * t["yz"] - 0.2 * t["S"])  # fmt: skip
    return sig(ic), sig(manager)


def _interaction(t):
    settled = 1 - np.exp(-t["Y"] / 4.0)
    ic = -0.9 + 1.4 * np.tanh(1.2 * t["C"]) + 1.3 * settled - t["S"] * sig(-2.5 * t["C"])
    manager = -1.3 + 2.4 * np.tanh(t["L"] + 0.4) * sig(2.5 * t["I"]) + 1.2 * settled + 0.3 * t["P"]
    return sig(ic + 0.2 * t["G"]), sig(manager)


def _weakest_link(t):
    weakest = -np.log(np.exp(-2 * t["L"]) + np.exp(-2 * t["P"]) + np.exp(-2 * (t["I"] + 0.3))) / 2
    manager = (0.35 + 1.3 * weakest - 0.55 * np.maximum(t["S"], 0) + 0.35 * np.tanh(t["yz"])
               + 0.2 * t["G"])  # fmt: skip
    specialist = sig(4 * (t["C"] + 0.5 * t["G"] - 1.5))
    ic = -0.2 + 0.45 * t["C"] + 0.2 * t["G"] - 0.3 * np.maximum(t["I"], 0) + 0.15 * t["yz"]
    return sig((1 - specialist) * ic + 1.8 * specialist), sig(manager)


TRUTHS = {"a": _smooth, "b": _interaction, "c": _weakest_link}


def _context_of(people: dict, k: int) -> dict:
    c = people["context"]
    return {
        "years_experience": round(float(people["years"][k]), 1),
        "years_at_level": float(c["years_at_level"][k]),
        "direct_reports": int(c["direct_reports"][k]),
        "current_track": "manager" if c["managing"][k] else "ic",
        "current_level": str(c["level"][k]),
    }


def write_outcomes(questionnaire: Questionnaire, people: dict, path: Path, prefix: str) -> None:
    """The outcome CSV `trackfit train` reads."""
    ids = [i["id"] for i in questionnaire.items]
    rows = []
    for k in range(people["n"]):
        row = {"employee_id": f"{prefix}-{k}"}
        row |= {i: people["answers"][i][k] for i in ids} | _context_of(people, k)
        row["track_taken"] = "manager" if people["manager"][k] else "ic"
        row["success"] = int(people["success"][k])
        rows.append(row)
    table = pd.DataFrame(rows)
    table[ids] = table[ids].astype("Int64")  # whole answers, blanks empty
    table.to_csv(path, index=False)


def write_answers(questionnaire: Questionnaire, people: dict, path: Path) -> None:
    """The answers JSONL `trackfit recommend` reads."""
    ids = [i["id"] for i in questionnaire.items]
    with path.open("w", encoding="utf-8") as stream:
        for k in range(people["n"]):
            given = {
                i: int(people["answers"][i][k])
                for i in ids
                if not np.isnan(people["answers"][i][k])
            }
            line = {"employee_id": f"held-{k}", "answers": given, "context": _context_of(people, k)}
            stream.write(json.dumps(line) + "\n")


def _peer_inputs(questionnaire: Questionnaire, answers: dict, years: np.ndarray):
    """The logistic peer's construct and competency means and years; the boosting peer's raw
    answers and years."""
    means = {}
    for construct in CONSTRUCTS:
        items = [i for i in questionnaire.likert if i["construct"] == construct]
        keyed = [6 - answers[i["id"]] if i["reverse"] else answers[i["id"]] for i in items]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # everything blank: NaN
            means[construct] = np.nanmean(np.column_stack(keyed), axis=1)
    means |= {i["competency"]: answers[i["id"]] for i in questionnaire.anchored}
    raw = np.column_stack([answers[i["id"]] for i in questionnaire.items] + [years])
    return np.column_stack([*means.values(), years]), raw


def peers(questionnaire, train: dict, test: dict) -> dict[str, dict[str, np.ndarray]]:
    """Per track, a cross-validated logistic regression on the means and years, and gradient
    boosting on the raw answers, each trained on the people who took the track."""
    train_means, train_raw = _peer_inputs(questionnaire, train["answers"], train["years"])
    test_means, test_raw = _peer_inputs(questionnaire, test["answers"], test["years"])
    chances: dict[str, dict[str, np.ndarray]] = {"logistic_cv": {}, "gradient_boosting": {}}
    for track in ("ic", "manager"):
        took = train["manager"] == (track == "manager")
        y = train["success"][took]
        logistic = make_pipeline(
            SimpleImputer(strategy="median"),
            StandardScaler(),
            LogisticRegressionCV(
                Cs=10,
                cv=5,
                scoring="neg_log_loss",
                l1_ratios=(0.0,),
                max_iter=5000,
                use_legacy_attributes=False,
            ),
        ).fit(train_means[took], y)
        chances["logistic_cv"][track] = logistic.predict_proba(test_means)[:, 1]
        boosted = HistGradientBoostingClassifier(random_state=0).fit(train_raw[took], y)
        chances["gradient_boosting"][track] = boosted.predict_proba(test_raw)[:, 1]
    return chances


def gain(manager: np.ndarray, p: dict) -> float:
    coin = ((p["ic"] + p["manager"]) / 2).mean()
    best = np.maximum(p["ic"], p["manager"]).mean()
    return float((np.where(manager, p["manager"], p["ic"]).mean() - coin) / (best - coin))


def calibration_error(manager: np.ndarray, stated: dict, p: dict) -> float:
    said = np.where(manager, stated["manager"], stated["ic"])
    return float(np.abs(said - np.where(manager, p["manager"], p["ic"])).mean())


def _trackfit(*argv: str, stdout=None) -> str:
    """Run the command line; its output (or nothing, when written to `stdout`). What it says
    on standard error is shown only when it fails."""
    done = subprocess.run(
        [TRACKFIT, *argv],
        stdout=stdout or subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"trackfit {' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
    return done.stdout if stdout is None else ""


def judge_one(questionnaire, test: dict, *, folder: Path, models: Path, truth: str, size: int,
              seed: int, from_scratch: bool) -> dict:  # fmt: skip
    train = simulate(questionnaire, size, 10 * size + seed, truth)
    data = folder / f"train-{truth}-{size}-{seed}.csv"
    write_outcomes(questionnaire, train, data, f"{truth}{size}s{seed}")
    extra = ["--from-scratch"] if from_scratch else []
    summary = json.loads(_trackfit("--models", str(models), "train", "--data", str(data), *extra))
    out = folder / f"recommended-{truth}-{size}-{seed}.jsonl"
    with out.open("w", encoding="utf-8") as stream:
        _trackfit("--models", str(models), "recommend", "--version", summary["version"],
                  "--input", str(folder / f"held-out-{truth}.jsonl"), stdout=stream)  # fmt: skip
    said = [json.loads(line) for line in out.open(encoding="utf-8")]
    stated = {t: np.array([r["p_success"][t] for r in said]) for t in ("ic", "manager")}
    low = {t: np.array([r["p_success_interval"][t][0] for r in said]) for t in ("ic", "manager")}
    high = {t: np.array([r["p_success_interval"][t][1] for r in said]) for t in ("ic", "manager")}
    advice = np.array([r["track"] == "manager" for r in said])
    alone = stated["manager"] > stated["ic"]
    p = test["p"]
    row = {
        "gain_advice": gain(advice, p),
        "gain_model": gain(alone, p),
        "cal_advice": calibration_error(advice, stated, p),
    }
    for name, chances in peers(questionnaire, train, test).items():
        chosen = chances["manager"] > chances["ic"]
        row[f"gain_{name}"] = gain(chosen, p)
        row[f"cal_{name}"] = calibration_error(chosen, chances, p)
    for t in ("ic", "manager"):
        row[f"coverage_{t}"] = float(((low[t] <= p[t]) & (p[t] <= high[t])).mean())
        row[f"width_{t}"] = float((high[t] - low[t]).mean())
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="300,1000,4000")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--test-n", type=int, default=5000)
    parser.add_argument("--truths", default="a,b,c")
    parser.add_argument("--from-scratch", action="store_true")
    options = parser.parse_args(argv)
    sizes = [int(size) for size in options.sizes.split(",")]
    schema = json.loads(_trackfit("schema", "--pack", PACK))
    questionnaire = Questionnaire(schema)
    with tempfile.TemporaryDirectory(prefix="trackfit-outside-") as scratch:
        folder = Path(scratch)
        models = folder / "models"
        shutil.copytree(ROOT / "models", models)  # the bundled versions, as a new install has
        for truth in options.truths.split(","):
            test = simulate(questionnaire, options.test_n, 999, truth)
            write_answers(questionnaire, test, folder / f"held-out-{truth}.jsonl")
            rows = []
            for size in sizes:
                runs = [
                    judge_one(
                        questionnaire,
                        test,
                        folder=folder,
                        models=models,
                        truth=truth,
                        size=size,
                        seed=seed,
                        from_scratch=options.from_scratch,
                    )
                    for seed in range(1, options.seeds + 1)
                ]
                table = pd.DataFrame(runs)
                ahead = table["gain_advice"] - table["gain_logistic_cv"]  # paired, per sample
                rows.append(
                    {"truth": truth, "rows": size, **table.mean().to_dict()}
                    | {"ahead": ahead.mean(), "ahead_sd": ahead.std(ddof=1) if len(runs) > 1 else 0}
                )
                print(_line(rows[-1]), flush=True)
    return 0


def _line(row: dict) -> str:
    gains = " / ".join(
        f"{row[f'gain_{k}']:.3f}" for k in ("advice", "model", "logistic_cv", "gradient_boosting")
    )
    calibration = " / ".join(
        f"{row[f'cal_{k}']:.3f}" for k in ("advice", "logistic_cv", "gradient_boosting")
    )
    return (
        f"truth {row['truth']}, {row['rows']:,} rows: gain advice / model / logistic / boosting "
        f"{gains} (advice minus logistic {row['ahead']:+.3f}, sd {row['ahead_sd']:.3f}); "
        f"calibration advice / logistic / boosting {calibration}; 90% coverage IC "
        f"{row['coverage_ic']:.3f} manager {row['coverage_manager']:.3f} (width "
        f"{row['width_ic']:.2f} / {row['width_manager']:.2f})"
    )


if __name__ == "__main__":
    sys.exit(main())
