# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # recsvc walkthrough: from raw learning data to explained recommendations
#
# This notebook runs the whole offline side of recsvc on the deterministic sample
# organisation, top to bottom, in a minute or two:
#
# 1. **Sample**: generate a company (roles, skills, catalogue, people, two years of activity)
#    and write it as the CSV files a real LMS/HR export would give.
# 2. **Load and validate**: read the folder against the data contract and look at the report.
# 3. **Train**: build a model bundle (CF, EASE, content, skill-gap models and a learned ranker)
#    and see what each stage cost.
# 4. **Inspect one employee**: skill gaps towards their target role, recommendations with
#    the reasons behind each item, the same with request context, and a newcomer.
# 5. **Evaluate**: the hybrid against its baselines and its own ablations on a time-based
#    split, with confidence intervals, skill-gap closure and a fairness audit, as plots.
#
# Open it in Jupyter or VS Code with the project's `.venv` as the kernel, or run it headless
# with `make notebook` (the executed copy lands in `build/walkthrough/`). Everything it writes
# goes under `build/walkthrough/` (git-ignored); set `RECSVC_WALKTHROUGH_DIR` to work
# elsewhere. CI executes this notebook on every run (`tests/notebooks/test_walkthrough.py`),
# so what you read here is what the code does today. The `.py` file beside it is the same
# notebook in jupytext's percent format (for diffs and review); after editing either, run
# `.venv/bin/jupytext --sync notebooks/walkthrough.ipynb` and commit both with outputs
# cleared.

# %%
# ruff: noqa: T201
import json
import os
import time
import warnings
from pathlib import Path

# implicit imports tqdm.auto, which warns in a kernel without ipywidgets; progress bars are off
warnings.filterwarnings("ignore", message="IProgress not found")

# one BLAS thread: implicit warns (and runs slower) when OpenBLAS uses its own thread pool
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from IPython.display import display  # noqa: E402

from recsvc.bundle import read_bundle  # noqa: E402
from recsvc.evaluate import run_evaluation  # noqa: E402
from recsvc.ingest import load_tables  # noqa: E402
from recsvc.recommend import Context, Filters, Project, Query, Recommender  # noqa: E402
from recsvc.sample import generate_sample, write_sample  # noqa: E402
from recsvc.train import train  # noqa: E402


def repo_root(start: Path) -> Path:
    """The folder holding pyproject.toml, so the notebook runs from any working directory."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


ROOT = repo_root(Path.cwd().resolve())
WORKDIR = Path(os.environ.get("RECSVC_WALKTHROUGH_DIR", ROOT / "build" / "walkthrough"))
EMPLOYEES = int(os.environ.get("RECSVC_WALKTHROUGH_EMPLOYEES", "2000"))  # the default sample
SEED = 42
TUNING_BUDGET_S = 10.0
# a fixed number of tuning trials instead (tests set it: the same result on a busy machine)
TUNE_TRIALS = (
    int(os.environ["RECSVC_WALKTHROUGH_TRIALS"])
    if "RECSVC_WALKTHROUGH_TRIALS" in os.environ
    else None
)
WORKDIR.mkdir(parents=True, exist_ok=True)
pd.set_option("display.max_colwidth", 120)
print(f"working in {WORKDIR.relative_to(ROOT) if WORKDIR.is_relative_to(ROOT) else WORKDIR}")

# %% [markdown]
# ## 1. A sample organisation
#
# `generate_sample` is deterministic for a seed. It also keeps a *ground truth* (true skill
# levels, true interests) that the trainer never reads; here we only use the contract tables,
# written as CSV exactly as a customer would hand them over.

# %%
started = time.perf_counter()
org = generate_sample(EMPLOYEES, seed=SEED)
source = write_sample(org, WORKDIR / "sample", "csv")
print(f"generated and written in {time.perf_counter() - started:.1f} s")
pd.DataFrame({"rows": {name: len(frame) for name, frame in org.tables.items()}}).sort_values(
    "rows", ascending=False
)

# %%
org.tables["enrolments"].head()

# %% [markdown]
# ## 2. Load and validate
#
# `load_tables` reads any source of the contract (a CSV or Parquet folder, or a SQL database
# by URL), checks every row and returns clean, typed tables plus a report. Bad rows are counted
# and dropped; past 5% bad rows in a table, loading stops with a clear error instead.

# %%
loaded = load_tables(source)
for line in loaded.report.summary_rows():
    print(line)
assert loaded.report.ok, "the sample must load without going over the bad-row limit"

# %% [markdown]
# ## 3. Train a bundle
#
# `train` runs load, dataset, features, tune, fit, rank, evaluate and write, and atomically
# writes a versioned bundle (arrays, Parquet and JSON with checksums; never pickle) under
# `models/`. The tuning budget is kept small here; production training uses a minute or more.

# %%
result = train(
    source, WORKDIR / "models", seed=SEED, time_budget_s=TUNING_BUDGET_S, tune_trials=TUNE_TRIALS
)
stages = pd.DataFrame(
    [{"stage": s.name, "seconds": s.seconds, "peak RSS MiB": s.peak_rss_mib} for s in result.stages]
).set_index("stage")
print(f"bundle {result.manifest.version}: {result.manifest.params['hyperparams']}")
display(stages)

# %%
fig, ax = plt.subplots(figsize=(7, 3))
stages["seconds"].plot.barh(ax=ax, color="tab:blue")
ax.invert_yaxis()
ax.set_xlabel("wall time (s)")
ax.set_title(f"Training stages, {EMPLOYEES:,} employees")
fig.tight_layout()
plt.show()

# %% [markdown]
# The service loads the same bundle read-only (memory-mapped arrays) after checking every
# checksum; `Recommender` is the pure recommendation core the HTTP routes call.

# %%
bundle = read_bundle(WORKDIR / "models")
rec = Recommender.from_bundle(bundle)
print(f"model {rec.model_version}; capabilities: {', '.join(sorted(rec.capabilities))}")

# %% [markdown]
# ## 4. One employee: skill gaps and recommendations with reasons
#
# We pick an employee who has history and a target role, so every kind of signal shows.

# %%
employees = loaded.tables["employees"]
roles = loaded.tables["roles"].set_index("role_id")["title"]
history_counts = loaded.tables["enrolments"]["employee_id"].value_counts()
candidates = employees[
    employees["target_role_id"].notna()
    & employees["employee_id"].map(history_counts).fillna(0).ge(5)
    & employees["employee_id"].map(rec.has_employee)
]
person = candidates.sort_values("employee_id").iloc[0]
EMPLOYEE_ID = str(person["employee_id"])
TARGET_ROLE_ID = str(person["target_role_id"])
print(
    f"{EMPLOYEE_ID}: {roles[person['role_id']]} -> target {roles[TARGET_ROLE_ID]}, "
    f"{history_counts[EMPLOYEE_ID]} enrolments"
)

# %% [markdown]
# **Skill gaps**: the current level (from assessments and completed content, with time decay)
# against the level the current and target roles require, largest weighted gap first, each
# with a few items that teach it one step above the current level.

# %%
gaps = rec.skill_gaps(EMPLOYEE_ID, target_role_id=TARGET_ROLE_ID)
gap_table = pd.DataFrame(
    [
        {
            "skill": g.skill_name,
            "current": g.current_level,
            "required": g.required_level,
            "gap": g.gap,
            "weight": g.weight,
            "teaching items": ", ".join(g.content_ids),
        }
        for g in gaps
    ]
)
assert len(gap_table) > 0 and (gap_table["gap"] > 0).all()
gap_table.head(10)

# %%
top_gaps = gap_table.head(10).iloc[::-1]
fig, ax = plt.subplots(figsize=(7, 4))
y = np.arange(len(top_gaps))
ax.barh(y, top_gaps["required"], color="lightgrey", label="required")
ax.barh(y, top_gaps["current"], color="tab:green", label="current")
ax.set_yticks(y, top_gaps["skill"])
ax.set_xlabel("level (0-5)")
ax.set_xlim(0, 5)
ax.set_title(f"Largest skill gaps of {EMPLOYEE_ID}\ntowards {roles[TARGET_ROLE_ID]}", fontsize=10)
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()
plt.show()

# %% [markdown]
# **Recommendations** with reasons. Each reason has a machine-readable `code` (documented in
# `recsvc.recommend.explain`) and a sentence for the employee. `strategy` says how the answer
# was made (`personalised` here).


# %%
def show(answer):
    """One row per item: rank, title, format, minutes, score and the reasons as sentences."""
    print(f"strategy: {answer.strategy}, model {answer.model_version}")
    return pd.DataFrame(
        [
            {
                "rank": item.rank,
                "title": item.title,
                "format": item.format,
                "minutes": item.duration_minutes,
                "score": round(item.score, 3),
                "reasons": " | ".join(r.text for r in item.reasons),
            }
            for item in answer.items
        ]
    ).set_index("rank")


K = 10
answer = rec.recommend(Query(EMPLOYEE_ID, k=K, context=Context(target_role_id=TARGET_ROLE_ID)))
assert len(answer.items) == K and all(item.reasons for item in answer.items)
show(answer)

# %% [markdown]
# Which reasons drive this list? Counting reason codes over the answer shows the blend at work
# (collaborative filtering, skill gaps, peers, similarity to past content, ...).

# %%
pd.Series([r.code for item in answer.items for r in item.reasons]).value_counts().to_frame("items")

# %% [markdown]
# **Context changes the answer.** The same person with a 60-minute time budget, only videos and
# articles, and a project described in free text: the business rules filter, the text model
# matches the project, and reasons say so.

# %%
project = Project(text="building dashboards and data pipelines for a machine learning project")
context_answer = rec.recommend(
    Query(
        EMPLOYEE_ID,
        k=5,
        context=Context(target_role_id=TARGET_ROLE_ID, project=project, time_budget_minutes=60),
        filters=Filters(formats=("video", "article")),
    )
)
assert all(item.format in ("video", "article") for item in context_answer.items)
assert sum(item.duration_minutes or 0 for item in context_answer.items) <= 60
show(context_answer)

# %% [markdown]
# **A newcomer** the model has never seen gets a cold-start answer from their role (skill
# gaps of the role, what peers in it take), never an error.

# %%
newcomer = rec.recommend(Query("someone-new", k=5, context=Context(role_id=str(person["role_id"]))))
assert newcomer.strategy == "cold_start_role"
show(newcomer)

# %% [markdown]
# **Similar content** (text and skill tags), as served by `GET /content/{id}/similar`:

# %%
first = answer.items[0]
print(f"items similar to {first.title!r}:")
pd.DataFrame([vars(s) for s in rec.similar(first.content_id, k=5)])

# %% [markdown]
# **Next roles** (`GET /employees/{id}/next-roles`): where this person's role usually leads,
# from the declared career paths and the moves observed in `role_history`, with how ready
# they are (share of the role's weighted requirement already met) and, only for moves made
# by at least 5 people, how many made it and after how long.

# %%
career = rec.next_roles(EMPLOYEE_ID, k=3)
print(f"{EMPLOYEE_ID} is a {career.role_title}, {career.months_in_role} months in the role")
pd.DataFrame(
    [
        {
            "role": r.title,
            "likelihood": r.likelihood,
            "readiness": r.readiness,
            "gaps": len(r.gaps),
            "largest gap": r.gaps[0].skill_name if r.gaps else "",
            "people moved": r.people_moved,
            "typical months": r.typical_months,
            "known from": ", ".join(r.sources),
        }
        for r in career.roles
    ]
)

# %% [markdown]
# **A development plan** (`POST /plan`) toward the target role with two hours a week for
# twelve weeks: the items with the most learning value in that time (chosen by a
# mixed-integer program, within a proven distance of the best plan), prerequisites first,
# grouped into milestones (one per skill level reached) with the readiness after each, on a
# calendar that never holds more than two hours in a week.

# %%
from recsvc.recommend.careers.plan import Goal  # noqa: E402

plan = rec.plan(
    EMPLOYEE_ID, Goal(target_role_id=TARGET_ROLE_ID), weekly_minutes=120, horizon_weeks=12
)
print(
    f"readiness {plan.readiness_before:.0%} -> {plan.readiness_after:.0%} in {plan.weeks} weeks "
    f"({plan.total_minutes:.0f} minutes); weighted gap closed {plan.gap_closed:.2f} "
    f"of {plan.gap_total:.2f}"
)
assert all(week.minutes <= 120 for week in plan.calendar)
pd.DataFrame(
    [
        {
            "week": m.week,
            "milestone": f"{m.skill_name} level {m.level}",
            "readiness after": m.readiness_after,
            "items": ", ".join(m.content_ids),
        }
        for m in plan.milestones
    ]
)

# %% [markdown]
# ## 5. Evaluation against baselines
#
# `run_evaluation` (what `recsvc evaluate` runs) splits the data by time (train before a
# cut-off, test after), trains the hybrid exactly as `recsvc train` would, serves it from a
# real bundle and ranks the same employees with every baseline (popularity, popular-in-role,
# item kNN, ALS, BPR, EASE) and every ablation of the hybrid, business rules applied alike.
# Means come with 95% bootstrap confidence intervals over employees; with the sample's
# `ground_truth/` (which the trainer never reads) skill-gap closure uses the true levels.
# It also writes `evaluation.md`, `evaluation.json` and PNG plots to the working folder.

# %%
evaluation = run_evaluation(
    source,
    time_budget_s=TUNING_BUDGET_S,
    tune_trials=TUNE_TRIALS,
    seed=SEED,
    out_dir=WORKDIR / "evaluation",
    ground_truth=WORKDIR / "sample" / "ground_truth",
    n_boot=200,  # fewer bootstrap draws than the CLI's 1000: enough for a walkthrough
)
print(evaluation.split)
for line in evaluation.verdict():
    print(line)
pd.DataFrame(evaluation.summary_rows(), columns=evaluation.summary_columns()).set_index("model")

# %%
K_EVAL = evaluation.k
names = [n for n in evaluation.ordered() if n in evaluation.scores]


def colour(name):
    """Hybrid orange, its ablations light orange, baselines grey."""
    return "tab:orange" if name == "hybrid" else "navajowhite" if "hybrid" in name else "grey"


fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
for ax, metric in zip(axes, [f"ndcg@{K_EVAL}", "gap_closure"], strict=True):
    est = [evaluation.scores[n].estimates[metric] for n in names]
    means = np.array([e.mean for e in est])
    errors = np.array([[e.mean - e.low for e in est], [e.high - e.mean for e in est]])
    ax.barh(names, means, xerr=errors, color=[colour(n) for n in names], capsize=3)
    ax.set_title(f"{metric} (95% CI)")
axes[0].invert_yaxis()
fig.tight_layout()
plt.show()

# %% [markdown]
# Accuracy as the list grows: nDCG and recall at k for the hybrid and the baselines.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for ax, metric in zip(axes, ["ndcg", "recall"], strict=True):
    for name in [n for n in names if n == "hybrid" or "hybrid" not in n]:
        curve = evaluation.scores[name].by_k[metric]
        ks = sorted(curve)
        hybrid = name == "hybrid"
        style = {"lw": 2.5, "color": "black"} if hybrid else {"lw": 1.0}
        ax.plot(ks, [curve[k] for k in ks], marker="o", label=name, **style)
    ax.set_xlabel("k")
    ax.set_title(f"{metric}@k")
    ax.grid(alpha=0.3)
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# **Fairness**: the hybrid's accuracy per group of each `audit_` column (protected attributes
# are used for this audit only, never as model features). `ratio` is best over worst group.

# %%
parity = [t for t in evaluation.fairness if t.model == "hybrid"]
fairness = pd.DataFrame(
    [
        {"attribute": t.attribute, "group": r.group, "employees": r.n, "mean": r.mean}
        | {"low": r.low, "high": r.high, "ratio": t.ratio, "CIs overlap": t.overlap}
        for t in parity
        for r in t.rows
    ]
)
fairness.round(3)

# %% [markdown]
# ## Summary
#
# The figures this run produced, also written to `walkthrough-summary.json` in the working
# folder (CI reads it to check the run end to end).

# %%
summary = {
    "employees": EMPLOYEES,
    "model_version": result.manifest.version,
    "training_seconds": round(float(stages["seconds"].sum()), 1),
    "employee_id": EMPLOYEE_ID,
    "skill_gaps": len(gaps),
    "recommended": [item.content_id for item in answer.items],
    "reason_codes": sorted({r.code for item in answer.items for r in item.reasons}),
    "newcomer_strategy": newcomer.strategy,
    "next_roles": [r.role_id for r in career.roles],
    "plan_items": len(plan.items),
    "plan_readiness": [plan.readiness_before, plan.readiness_after],
    f"ndcg@{K_EVAL}": {
        n: round(evaluation.scores[n].estimates[f"ndcg@{K_EVAL}"].mean, 4) for n in names
    },
    "hybrid_ahead_of_every_baseline": evaluation.ahead_of_every_baseline(),
    "evaluation_files": sorted(p.name for p in evaluation.files),
}
(WORKDIR / "walkthrough-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
display(summary)
