"""How much matrix-factorisation fitting the trainer affords: a work budget set by the data.

The fit stage fits the chosen factor model twice: on the holdout's training part (``n_iter``
iterations) and on all the data (ALS: ``WARM_ITERATIONS`` from the first fit's factors; BPR:
``n_iter`` again, its SGD has no exact step to warm-start from). Both cost about
interactions x iterations x (factors + 64): measured with implicit at 16-128 factors on one
core of the 2-core benchmark machine, at 1,000,000 employees ALS ~3.4 ns and BPR 4.2-5.9 ns
per unit (at 100,000 employees BPR costs half that: its factors still fit in the CPU's
caches; the larger figure is used, so the estimate errs on the slow side). implicit's BPR
runs on one thread only, since its multi-threaded SGD is hogwild and not reproducible: at a
million employees 100 epochs would cost ~15 minutes per fit.

So a candidate's iterations are capped where the estimate of its two fits exceeds the fit
budget, ``US_PER_INTERACTION`` one-core microseconds per interaction and at least
``MIN_BUDGET_S`` (a fit budget that grows with the data, like every other stage; the floor
leaves small data sets the whole search), in the tuner's trials (which then score what the
trainer will fit) as in the final fit, and a candidate that cannot afford ``MIN_ITERATIONS``
even with the fewest factors is skipped. At 1,000,000 employees (17 M interactions) that is
~86 s: ALS with fewer iterations, and no BPR (10 epochs alone would take ~140 s); at 100,000
(1.7 M) the 20 s floor: BPR at most 9 epochs at 64 factors or 14 at 16. The estimate depends
on the data's size only, never on a clock, so the same data and seed still give the same
bundle on any machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from recsvc.training.assemble import WARM_ITERATIONS

__all__ = ["MIN_BUDGET_S", "MIN_ITERATIONS", "NS_PER_UNIT", "US_PER_INTERACTION", "MfBudget"]

#: one-core microseconds per interaction the two fits of the factor model may take
US_PER_INTERACTION = 5.0
#: one-core seconds they may always take, however small the data
MIN_BUDGET_S = 20.0
#: measured cost per interaction x iteration x (factors + FACTOR_OVERHEAD), one core
NS_PER_UNIT = {"als": 3.4, "bpr": 5.9}
FACTOR_OVERHEAD = 64
#: fewer iterations than this leave a model that is not worth fitting
MIN_ITERATIONS = {"als": 3, "bpr": 10}
#: the smallest factor count the tuner tries (``tune._mf_params``)
FEWEST_FACTORS = 16


@dataclass(frozen=True)
class MfBudget:
    """The interactions each fit sees: the holdout's training part and all the data."""

    train_interactions: int
    full_interactions: int
    budget_s: float

    @classmethod
    def for_data(cls, train_interactions: int, full_interactions: int) -> MfBudget:
        """The budget the trainer sets: ``US_PER_INTERACTION``, at least ``MIN_BUDGET_S``."""
        budget = max(MIN_BUDGET_S, US_PER_INTERACTION * full_interactions / 1e6)
        return cls(train_interactions, full_interactions, budget)

    def seconds(self, algorithm: str, n_factors: int, n_iter: int) -> float:
        """Estimated one-core seconds of both fits (holdout part, then all the data)."""
        full_iter = min(n_iter, WARM_ITERATIONS) if algorithm == "als" else n_iter
        sweeps = self.train_interactions * n_iter + self.full_interactions * full_iter
        return sweeps * (n_factors + FACTOR_OVERHEAD) * NS_PER_UNIT[algorithm] / 1e9

    def iterations(self, algorithm: str, n_factors: int, n_iter: int) -> int:
        """``n_iter``, or the most iterations within the budget when it does not fit."""
        n = n_iter
        while n > 0 and self.seconds(algorithm, n_factors, n) > self.budget_s:
            n -= 1
        return n

    def skip_reason(self, algorithm: str) -> str | None:
        """Why ``algorithm`` cannot be fitted here at all (None: it can)."""
        fewest = self.iterations(algorithm, FEWEST_FACTORS, MIN_ITERATIONS[algorithm])
        if fewest >= MIN_ITERATIONS[algorithm]:
            return None
        return (
            f"{MIN_ITERATIONS[algorithm]} iterations at {FEWEST_FACTORS} factors on "
            f"{self.full_interactions:,} interactions would take ~"
            f"{self.seconds(algorithm, FEWEST_FACTORS, MIN_ITERATIONS[algorithm]):.0f} s, "
            f"more than the {self.budget_s:.0f} s fit budget"
        )

    def cap_note(self, algorithm: str, factors: int, asked: int, got_factors: int, got: int) -> str:
        """What cutting ``asked`` iterations at ``factors`` to ``got`` at ``got_factors``
        means, in words (manifest, summary)."""
        threads = ", one thread for reproducibility" if algorithm == "bpr" else ""
        fewer = f" and {got_factors} factors" if got_factors != factors else ""
        return (
            f"{algorithm} fitted with {got} iterations{fewer} instead of {asked} at {factors} "
            f"factors: those would take ~{self.seconds(algorithm, factors, asked):.0f} s on one "
            f"core{threads} for its two fits on {self.full_interactions:,} interactions, over "
            f"the {self.budget_s:.0f} s fit budget"
        )
