"""The docs stay true: settings, make targets, links and the bundle layout they name exist."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from recsvc.bundle import read_manifest
from recsvc.config import ServeSettings
from recsvc.sample import generate_sample
from recsvc.train import train_tables

__all__: list[str] = []

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BUNDLE_DOC = ROOT / "docs" / "bundle.md"

#: Variables the docs may name that are not service settings, and why.
NOT_SETTINGS = {
    "RECSVC_TEST_POSTGRES_URL": "test-only: the PostgreSQL server of the SQL loader tests",
    "RECSVC_GIT_SHA": "build arg: the trainer puts the code's sha in bundle versions",
}

_FENCE = re.compile(r"^```.*?^```", re.M | re.S)
_SPAN = re.compile(r"`([^`\n]+)`")
_MAKE = re.compile(r"(?:^|[\s;&|(])make\s+([a-z][a-z0-9_-]*)")
_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)\)")
_RULE = re.compile(r"^([A-Za-z0-9_.-]+(?:\s+[A-Za-z0-9_.-]+)*)\s*:(?![=:])", re.M)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _code(text: str) -> list[str]:
    """Fenced blocks and inline code spans: where commands are written."""
    fences = _FENCE.findall(text)
    return fences + _SPAN.findall(_FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {_slug(m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}


def _make_rules() -> list[str]:
    """Target names with a rule in the Makefile (``.PHONY`` alone does not make a target)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    names = [n for group in _RULE.findall(text) for n in group.split()]
    return [n for n in names if not n.startswith(".") and "$" not in n]


def _make_mentions() -> list[tuple[str, str]]:
    """``(doc, target)`` for every ``make <target>`` in code, plus the README's target list."""
    found: set[tuple[str, str]] = set()
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        found |= {(_rel(doc), t) for code in _code(text) for t in _MAKE.findall(code)}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"Make targets:.*?\((.*?)\)\.", readme, re.S)
    if listed:
        found |= {("README.md", t) for t in _SPAN.findall(listed.group(1))}
    return sorted(found)


def test_every_recsvc_variable_in_the_docs_is_a_setting() -> None:
    settings = {f"RECSVC_{name.upper()}" for name in ServeSettings.model_fields}
    named = {
        (_rel(doc), var)
        for doc in DOCS
        for var in re.findall(r"RECSVC_[A-Z0-9_]*[A-Z0-9]", doc.read_text(encoding="utf-8"))
    }
    assert {var for _, var in named} >= {"RECSVC_API_KEYS", "RECSVC_MODELS_DIR"}  # scan works
    unknown = sorted(
        f"{doc}: {var}" for doc, var in named if var not in settings | NOT_SETTINGS.keys()
    )
    assert not unknown, f"not a ServeSettings field nor in NOT_SETTINGS: {unknown}"


def test_every_setting_is_in_the_deployment_guide() -> None:
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    missing = [n for n in ServeSettings.model_fields if f"RECSVC_{n.upper()}" not in text]
    assert not missing, f"docs/deployment.md's settings table lacks {missing}"


def test_make_rules_are_found_and_unique() -> None:
    rules = _make_rules()
    assert {"run", "test", "bench", "soak", "help"} <= set(rules)  # the parser sees rules
    repeated = sorted({n for n in rules if rules.count(n) > 1})
    assert not repeated, f"Makefile defines these targets twice (the last recipe wins): {repeated}"


@pytest.mark.parametrize(
    ("doc", "target"), [pytest.param(d, t, id=f"{d}:{t}") for d, t in _make_mentions()]
)
def test_every_make_target_in_the_docs_exists(doc: str, target: str) -> None:
    assert target in _make_rules(), f"{doc} names `make {target}`, which the Makefile lacks"


def test_make_mentions_are_found() -> None:
    mentions = _make_mentions()
    assert ("README.md", "run") in mentions and ("README.md", "openapi") in mentions


def _broken_links(path: Path) -> list[str]:
    """Relative links in ``path`` whose file, or Markdown heading, does not exist."""
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target} (no heading #{anchor})")
    return broken


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_every_relative_link_points_to_an_existing_file(doc: Path) -> None:
    broken = _broken_links(doc)
    assert not broken, f"{_rel(doc)} has broken links: {broken}"


def test_link_checker_catches_missing_files_and_headings(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "# Top\n\n## Hot reload: publish a `new` bundle\n\n[k](#hot-reload-publish-a-new-bundle)"
        " [b](b.md#top) [web](https://example.com/x.md) ![img](nowhere.png)\n"
        "```\n[in code](nowhere.md)\n```\n"
    )
    (tmp_path / "b.md").write_text("# Top\n")
    (tmp_path / "c.md").write_text("[gone](missing.md) [a](a.md#nope) [ok](a.md#top)\n")
    assert _broken_links(tmp_path / "a.md") == []
    assert _broken_links(tmp_path / "c.md") == [
        "missing.md (no such file)",
        "a.md#nope (no heading #nope)",
    ]


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real bundle from a small generated organisation (a few seconds)."""
    sample = generate_sample(60, seed=3, n_content=80)
    out = tmp_path_factory.mktemp("models")
    return train_tables(sample.tables, out, seed=3, tune_trials=1).bundle_path


def test_bundle_doc_describes_every_file_of_a_real_bundle(bundle_dir: Path) -> None:
    text = BUNDLE_DOC.read_text(encoding="utf-8")
    manifest = read_manifest(bundle_dir)
    assert "ease" in manifest.capabilities  # so the optional ease_weights.npy is checked too
    undocumented = []
    for name in manifest.files:
        stem = name.removesuffix(".npy")
        prefix, _, part = stem.rpartition("_")
        sparse = part in ("data", "indices", "indptr", "shape") and f"| `{prefix}` |" in text
        if not sparse and f"`{name}`" not in text:
            undocumented.append(name)
    assert not undocumented, f"docs/bundle.md does not describe {undocumented}"
    documented = set(re.findall(r"`([a-z0-9_]+\.(?:npy|parquet|json))`", text))
    stale = sorted(documented - set(manifest.files) - {"manifest.json"})
    assert not stale, f"docs/bundle.md describes files a bundle no longer has: {stale}"


def test_bundle_doc_describes_the_manifest_and_state(bundle_dir: Path) -> None:
    text = BUNDLE_DOC.read_text(encoding="utf-8")
    manifest = orjson.loads((bundle_dir / "manifest.json").read_bytes())
    state = orjson.loads((bundle_dir / "state.json").read_bytes())
    vocab = orjson.loads((bundle_dir / "vocab.json").read_bytes())
    missing = [f"manifest.{k}" for k in manifest if f"| `{k}` |" not in text]
    missing += [f"manifest.params.{k}" for k in manifest["params"] if f"`{k}`" not in text]
    missing += [f"manifest.metrics.{k}" for k in manifest["metrics"] if f"`{k}`" not in text]
    missing += [f"state.{k}" for k in state if f"`{k}`" not in text]
    missing += [f"state.text_encoder.{k}" for k in state["text_encoder"] if f"`{k}`" not in text]
    missing += [f"vocab.{k}" for k in vocab if f"`{k}`" not in text]
    assert not missing, f"docs/bundle.md does not mention {missing}"
    assert f"currently `{manifest['schema_version']}`" in text
