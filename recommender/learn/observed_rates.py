"""How sure an observed rate is: a group or bin of thirty people that sees 48% succeed may well
hold a true rate of 34% or 62%. HR's calibration bins, fairness groups and the model card say
so, with one interval."""

from __future__ import annotations

Z90 = 1.6448536269514722  # two-sided 90%: the interval level of every other figure HR reads


def observed_range(rate: float, people: int) -> tuple[float, float]:
    """The 90% (Wilson) interval of a success rate observed among `people`."""
    z2 = Z90 * Z90
    centre = (rate + z2 / (2 * people)) / (1 + z2 / people)
    half = Z90 * ((rate * (1 - rate) / people + z2 / (4 * people * people)) ** 0.5)
    half /= 1 + z2 / people
    # never past 0 or 1, and always holding the rate itself (rounding can miss it at 0 or 1)
    return max(0.0, min(centre - half, rate)), min(1.0, max(centre + half, rate))


def likely_rate(rate: float, people: int) -> str:
    """'likely 39% to 55%': the 90% range of a rate observed among `people`, as pages say it."""
    low, high = observed_range(rate, people)
    return f"likely {round(100 * low)}% to {round(100 * high)}%"


def likely_share(rate: float, people: int) -> str:
    """'likely 0.39 to 0.55': the same range written as the model card writes rates."""
    low, high = observed_range(rate, people)
    return f"likely {low:.2f} to {high:.2f}"
