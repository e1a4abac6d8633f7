from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from functools import lru_cache

import pytest

from foodcap import FoodcapError
from foodcap_metrics.synthetic import TitleCorpus, title_corpus


def _pycocoevalcap_missing() -> str | None:
    if importlib.util.find_spec("pycocoevalcap") is None:
        return "pycocoevalcap is not installed (pip install 'foodcap-metrics[test]')"
    return None


def _java_missing() -> str | None:
    if shutil.which("java") is None:
        return "Java is not installed: pycocoevalcap's PTBTokenizer, the coco-dialect oracle, runs on it"
    return _pycocoevalcap_missing()


def _sacrebleu_missing() -> str | None:
    if importlib.util.find_spec("sacrebleu") is None:
        return "sacrebleu is not installed (pip install 'foodcap-metrics[test]'): the significance tests' oracle"
    return None


@lru_cache(maxsize=1)
def _wordnet_missing() -> str | None:
    from foodcap_metrics.wordnet import find_wordnet

    try:
        find_wordnet()
    except FoodcapError as error:
        return str(error)
    return None


# An oracle a test needs: where it is missing the test is skipped, except in CI, where it fails the run
# (scripts/test installs Java and WordNet, so a skip there would hide a broken set-up, not a choice).
ORACLES: dict[str, Callable[[], str | None]] = {
    "java": _java_missing,
    "pycocoevalcap": _pycocoevalcap_missing,
    "wordnet": _wordnet_missing,
    "sacrebleu": _sacrebleu_missing,
}
requires_java = pytest.mark.requires_java
requires_pycocoevalcap = pytest.mark.requires_pycocoevalcap
requires_wordnet = pytest.mark.requires_wordnet
requires_sacrebleu = pytest.mark.requires_sacrebleu


def in_ci() -> bool:
    """CI=true (as CI services set it) or FOODCAP_REQUIRE_ORACLES=1 (as scripts/test sets it)."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes") or os.environ.get("FOODCAP_REQUIRE_ORACLES") == "1"


def skip_or_fail(missing: str | None) -> None:
    """Skip for a missing oracle on a developer's machine; fail in CI."""
    if missing is None:
        return
    if in_ci():
        pytest.fail(f"a required oracle is missing in CI: {missing}", pytrace=False)
    pytest.skip(missing)


def pytest_configure(config: pytest.Config) -> None:
    for name in ORACLES:
        config.addinivalue_line("markers", f"requires_{name}: skipped without {name}, failed without it in CI")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name, missing in ORACLES.items():
        if item.get_closest_marker(f"requires_{name}"):
            skip_or_fail(missing())


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each session builds the WordNet index and staging folder from scratch, in its own cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("FOODCAP_CACHE", str(tmp_path_factory.mktemp("foodcap-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def single_reference_corpus() -> TitleCorpus:
    return title_corpus(1200, seed=11)


@pytest.fixture(scope="session")
def multi_reference_corpus() -> TitleCorpus:
    return title_corpus(1000, seed=12, references_per_title=3)


@pytest.fixture(scope="session", params=["single", "multi"])
def corpus(
    request: pytest.FixtureRequest, single_reference_corpus: TitleCorpus, multi_reference_corpus: TitleCorpus
) -> TitleCorpus:
    return single_reference_corpus if request.param == "single" else multi_reference_corpus


@pytest.fixture(scope="session")
def pycocoevalcap_results(single_reference_corpus: TitleCorpus, multi_reference_corpus: TitleCorpus) -> dict:
    """pycocoevalcap run once per corpus (two Java tokenizer runs each)."""
    from oracles import pycocoevalcap_scores

    return {
        id(c): pycocoevalcap_scores(c.predictions, c.references)
        for c in (single_reference_corpus, multi_reference_corpus)
    }


@pytest.fixture(scope="session")
def nltk_wordnet_reader() -> object:
    """nltk's own WordNet reader (slow to load: once per session)."""
    from foodcap_metrics.wordnet import nltk_wordnet

    reader = nltk_wordnet()
    reader.synsets("dog")  # type: ignore[attr-defined]
    return reader


@pytest.fixture(autouse=True)
def scores_computed_afresh() -> None:
    """Each test computes its corpus scores itself: a corpus cached by an earlier test (or, under mutmut, by
    the process a mutant's run was forked from) must not answer for it."""
    from foodcap_metrics import bleu, cider, ngrams, rouge

    for module in (bleu, cider, ngrams, rouge):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
