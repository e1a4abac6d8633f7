from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator

import pytest

from foodcap import FoodcapError
from foodcap_metrics.synthetic import TitleCorpus, title_corpus


def _java_missing() -> str | None:
    if shutil.which("java") is None:
        return "Java is not installed: pycocoevalcap's PTBTokenizer, the coco-dialect oracle, runs on it"
    if importlib.util.find_spec("pycocoevalcap") is None:
        return "pycocoevalcap is not installed (pip install 'foodcap-metrics[test]')"
    return None


def _wordnet_missing() -> str | None:
    from foodcap_metrics.wordnet import find_wordnet

    try:
        find_wordnet()
    except FoodcapError as error:
        return str(error)
    return None


requires_java = pytest.mark.skipif(_java_missing() is not None, reason=str(_java_missing()))
requires_wordnet = pytest.mark.skipif(_wordnet_missing() is not None, reason=str(_wordnet_missing()))


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
def corpus(request: pytest.FixtureRequest, single_reference_corpus: TitleCorpus,
           multi_reference_corpus: TitleCorpus) -> TitleCorpus:
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
