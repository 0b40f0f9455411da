"""Numbers said with no more digits than their interval supports.

A break-even of "61,64 €" read off three simulations whose interval runs over tens of euros
claims a precision the simulation does not have. Here a value is rounded so that its last digit
is at most a fifth of its 95 % interval's width, and said in its unit: money for prices and
costs, a percentage for rates and probabilities, a plain number otherwise.
"""

from __future__ import annotations

import math

from sim.report.language import Words

INTERVAL = ("95 % interval {low} to {high}", "intervalle à 95 % : {low} à {high}")
EDGE = ("; the interval reaches the end of the range explored",
        " ; l'intervalle atteint le bout de la plage explorée")


def decimals(low: float, high: float) -> int:
    """Decimals an interval supports: the rounding step at most a fifth of its width (two
    significant digits of the width, none below what the width can tell)."""
    width = abs(high - low)
    if not math.isfinite(width) or width == 0:
        return 2
    return max(0, -math.floor(math.log10(width / 5)))


def value_text(key: str, value: float, words: Words, places: int | None = None) -> str:
    """A contested value the language's way: money for prices and costs, a percentage for
    rates and probabilities, a number otherwise."""
    if value is None or not math.isfinite(value):
        return "–"
    if "price" in key or "cost" in key:
        if places is None:
            places = 0 if abs(value) >= 100 or value == int(value) else 2
        text = words.number(value, places)
        return f"{text}\u00a0€" if words.lang == "fr" else f"€{text}"
    if any(w in key for w in ("rate", "probability", "resolution", "share", "shrinkage")):
        return words.percent(value, 1 if places is None else max(0, places - 2))
    return words.number(value, 0 if places is None and value == int(value)
                        else 2 if places is None else places)


def interval_text(key: str, value: float, low: float, high: float, note: str,
                  words: Words) -> str:
    """A value with its 95 % interval, both with no more digits than the interval supports:
    `€62 (95 % interval €40 to €72)`."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return value_text(key, value, words)
    places = decimals(low, high)
    i = 0 if words.lang == "en" else 1
    edge = EDGE[i] if note else ""
    return (f"{value_text(key, value, words, places)} ("
            + INTERVAL[i].format(low=value_text(key, low, words, places),
                                 high=value_text(key, high, words, places)) + f"{edge})")
