"""What `learn` decides held out on the team's own history: how well the model and the cold
rules each agreed with it fold by fold, from which probability the model may propose never,
and which share of the score it takes. Pure arithmetic on arrays (scikit-learn's folds and
AUC); learn.py holds the fit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from triagewise.rules.learned import Target

FOLDS = 5
REPEATS, REPEAT_BELOW = 3, 2000  # fold seeds while the history is small
MIN_CLASS = 5  # a target needs this many examples on each side


WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def blend_weight(
    targets: Mapping[str, Target], helds: Mapping[str, Any], cold: Any, high: Any, low: Any
) -> float | None:
    """The share of the score the model takes (`[history] weight = "auto"`): of 0, ¼, ½, ¾
    and all, the one whose blend of the cold score and the held-out learned value put the
    team's high-priority issues above its low-priority and won't-do ones most often; a tie
    goes to the smaller share. None when there are too few of either to tell."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    use_high = "high" in targets and targets["high"].trusted
    use_never = "never" in targets and targets["never"].trusted
    if not (use_high or use_never) or min(int(high.sum()), int(low.sum())) < MIN_CLASS:
        return None
    value = np.ones(len(cold))
    value *= helds["high"] if use_high else 0.5
    value *= (1.0 - helds["never"]) if use_never else 1.0
    chosen = high | low
    best, best_auc = None, -1.0
    for w in WEIGHTS:
        blended = (1 - w) * cold + w * value
        auc = float(roc_auc_score(high[chosen], blended[chosen]))
        if auc > best_auc + 1e-9:
            best, best_auc = w, auc
    return best


NEVER_PRECISION = 0.8  # a learned never must have been right 4 times in 5, held out
# on a defect, 9 times in 10 at a one-sided 95% confidence: a wrong never costs most there
DEFECT_PRECISION, CONFIDENT = 0.9, 1.645


def never_threshold(
    held: Any,
    never: Any,
    high: Any,
    floor: float,
    sendable: Any = None,
    precision: float = NEVER_PRECISION,
    confident: bool = False,
) -> float | None:
    """The lowest probability (from `[history] never_above` up, in steps of 0.05) at which,
    held out on the team's own history, at least 4 in 5 issues the model would send to never
    were won't-dos and none was high priority; None when no such probability exists (then
    the model proposes no never at all). Only the issues a learned never could send count
    (`sendable`): severe defects, raised priorities and issues that say too little stay in
    later whatever the model says."""
    import numpy as np

    may = np.ones(len(held), dtype=bool) if sendable is None else np.asarray(sendable, bool)
    steps = sorted(
        {floor} | {round(floor + 0.05 * k, 2) for k in range(1, 21) if floor + 0.05 * k <= 0.951}
    )
    for t in steps:
        chosen = (held >= t) & may
        sent = int(chosen.sum())
        if not sent:
            return None
        right = int((chosen & (never == 1)).sum())
        sure = lower_bound(right, sent, CONFIDENT) if confident else right / sent
        if sure >= precision and not int((chosen & (high == 1)).sum()):
            return t
    return None


def lower_bound(right: int, n: int, z: float) -> float:
    """Wilson's lower confidence bound (one-sided 95%) on a share of `right` in `n`: 9 of 9
    right is 0.76 sure, not 1.0."""
    if not n:
        return 0.0
    p = right / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)
    return (centre - spread) / (1 + z * z / n)


def held_out(model: Any, matrix: Any, y: Any, cold: Any, smaller: int) -> tuple[Any, float, float]:
    """Cross-validated margins (for calibration) and the held-out AUC of the model and of the
    cold rules, each averaged over the folds: margins of models fitted on different folds are
    not on one scale, so one AUC over all of them would understate a small history. Repeated
    with other fold seeds while the history is small, where one split is mostly luck."""
    import numpy as np
    from sklearn.base import clone
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    margins = np.zeros(len(y), dtype=np.float64)
    model_aucs: list[float] = []
    rules_aucs: list[float] = []
    repeats = REPEATS if len(y) < REPEAT_BELOW else 1
    for seed in range(repeats):
        folds = StratifiedKFold(n_splits=min(FOLDS, smaller), shuffle=True, random_state=seed)
        for train, test in folds.split(matrix, y):
            fitted = clone(model).fit(matrix[train], y[train])
            m = fitted.decision_function(matrix[test])
            if seed == 0:
                margins[test] = m
            model_aucs.append(float(roc_auc_score(y[test], m)))
            rules_aucs.append(float(roc_auc_score(y[test], cold[test])))
    return margins, float(np.mean(model_aucs)), float(np.mean(rules_aucs))
