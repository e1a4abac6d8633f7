"""METEOR: nltk's scores sentence for sentence, with WordNet found (or a clear error), on both cores."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from oracles import mean, nltk_meteor

from foodcap import FoodcapError, MetricOptions
from foodcap_metrics import Meteor, meteor, parallel, wordnet
from foodcap_metrics.synthetic import TitleCorpus, title_corpus

from conftest import requires_java, requires_wordnet

pytestmark = requires_wordnet


@requires_java
def test_coco_meteor_equals_nltk_on_pycocoevalcap_tokens(
    corpus: TitleCorpus, pycocoevalcap_results: dict, nltk_wordnet_reader: object
) -> None:
    res, gts = pycocoevalcap_results[id(corpus)]["tokens"]
    hypotheses = [res[i][0].split() for i in range(len(res))]
    references = [[r.split() for r in gts[i]] for i in range(len(gts))]
    expected = nltk_meteor(hypotheses, references, nltk_wordnet_reader)
    result = Meteor(MetricOptions(dialect="coco")).compute(corpus.predictions, corpus.references)
    assert result.per_sample == expected
    assert result.score == pytest.approx(mean(expected), rel=1e-15)


def test_nltk_published_examples() -> None:
    hypothesis = "It is a guide to action which ensures that the military always obeys the commands of the party"
    references = [
        "It is a guide to action that ensures that the military will forever heed Party commands",
        "It is the guiding principle which guarantees the military forces always being under the command of the Party",
        "It is the practical guide for the army always to heed the directions of the party",
    ]
    for dialect in ("coco", "hf"):
        metric = Meteor(MetricOptions(dialect=dialect))
        assert round(metric.compute([hypothesis], [references[:1]]).score, 4) == 0.6944
        assert round(metric.compute([hypothesis], [references]).score, 4) == 0.6944
        assert metric.compute(["non matching hypothesis"], [["this is a cat"]]).score == 0.0


def test_synonyms_matter() -> None:
    """A synonym is worth a match: without WordNet these would score as unrelated words."""
    scorer = meteor.shared_scorer()
    assert scorer.sentence(["fast", "prawn", "stew"], ["quick", "shrimp", "stew"]) > 0.9
    assert scorer.sentence(["fast", "prawn", "stew"], ["bicycle", "tyre", "stew"]) < 0.4


def test_synonym_index_equals_nltk_wordnet(nltk_wordnet_reader: object, multi_reference_corpus: TitleCorpus) -> None:
    """foodcap's synonym lookup gives nltk's set for every word tried: corpus words and their stems,
    WordNet's own lemmas, irregular forms and regular inflections."""
    from itertools import chain

    reader = nltk_wordnet_reader
    rng = random.Random(5)
    lemmas = sorted(reader.all_lemma_names())  # type: ignore[attr-defined]
    words = {w.lower() for text in multi_reference_corpus.predictions for w in text.split()}
    words |= {meteor.shared_scorer().stem(w) for w in list(words)}
    words |= set(rng.sample(lemmas, 1500))
    words |= {w + suffix for w in rng.sample(lemmas, 300) for suffix in ("s", "es", "ed", "ing", "er", "est", "ies")}
    exceptions = reader._exception_map  # type: ignore[attr-defined]
    words |= {form for pos in "nvar" for form in rng.sample(sorted(exceptions[pos]), min(100, len(exceptions[pos])))}
    index = wordnet.synonym_index()
    index.prefetch(words)

    def nltk_synonyms(word: str) -> set[str]:
        names = chain.from_iterable(
            (lemma.name() for lemma in synset.lemmas() if lemma.name().find("_") < 0) for synset in reader.synsets(word)
        )  # type: ignore[attr-defined]
        return set(names) | {word}

    assert len(words) > 3000
    different = [w for w in sorted(words) if index.synonyms(w) != nltk_synonyms(w)]
    assert not different, different[:10]


def test_system_wordnet_is_staged_for_nltk_with_lexnames() -> None:
    source = wordnet.find_wordnet()
    if not source.needs_staging:
        pytest.skip("WordNet comes from nltk's data path here: nothing to stage")
    staged = wordnet.stage_for_nltk(source)
    lexnames = (staged / "lexnames").read_text().splitlines()
    assert len(lexnames) == 45
    assert lexnames[0] == "00\tadj.all\t3" and lexnames[13] == "13\tnoun.food\t1" and lexnames[44] == "44\tadj.ppl\t3"
    assert (staged / "data.noun").stat().st_size == (wordnet.Path(source.location) / "data.noun").stat().st_size


def test_missing_wordnet_offline_is_an_error_naming_both_remedies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import nltk

    monkeypatch.setattr(wordnet, "_from_nltk_data", lambda: None)
    monkeypatch.setattr(wordnet, "_from_system", lambda: None)
    monkeypatch.setattr(nltk, "download", lambda *args, **kwargs: False)  # what nltk answers offline
    for cached in (wordnet.locate_wordnet, wordnet.synonym_index, meteor.shared_scorer):
        cached.cache_clear()
    try:
        with pytest.raises(FoodcapError) as error:
            Meteor().compute(["a fresh corpus nobody scored"], [["so it is not cached"]])
        assert "python -m nltk.downloader wordnet" in str(error.value)
        assert "apt-get install wordnet-base wordnet-sense-index" in str(error.value)
        assert Meteor.missing_resources() == [str(error.value)]  # what pre-flight reports, before any captioning
        assert capsys.readouterr().err == ""  # the failed download says nothing: foodcap's one line does
    finally:
        for cached in (wordnet.locate_wordnet, wordnet.synonym_index, meteor.shared_scorer):
            cached.cache_clear()


def test_worker_processes_give_the_serial_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = title_corpus(600, seed=21)
    tokens = [p.lower().split() for p in corpus.predictions]
    references = [[r.lower().split() for r in refs] for refs in corpus.references]
    scorer = meteor.shared_scorer()
    serial = [scorer.score(h, refs) for h, refs in zip(tokens, references)]
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 100)
    monkeypatch.setenv("FOODCAP_METRIC_PROCESSES", "2")
    children: list[int] = []
    context = parallel.multiprocessing.get_context("fork")
    real_process = context.Process

    def counting_process(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        children.append(1)
        return real_process(*args, **kwargs)

    monkeypatch.setattr(context, "Process", counting_process, raising=False)
    assert meteor.meteor_scores(scorer, tokens, references) == serial
    assert children == [1]


def test_a_failing_worker_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOODCAP_METRIC_PROCESSES", "2")
    parent = parallel.os.getpid()

    def fails_in_the_child(item: int) -> int:
        if parallel.os.getpid() != parent:
            raise KeyError("boom")
        return item

    with pytest.raises(RuntimeError, match="KeyError: 'boom'"):
        parallel.fork_map(fails_in_the_child, [1, 2], size=parallel.PARALLEL_THRESHOLD)
    assert parallel.fork_map(fails_in_the_child, [1, 2], size=10) == [1, 2]  # small: in-process


def test_wordnet_from_nltks_data_path_comes_first(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """``nltk.download('wordnet')`` puts corpora/wordnet.zip on nltk's path: it wins, zipped as it is."""
    import zipfile

    import nltk

    system = wordnet.find_wordnet()
    if system.origin != "system":
        pytest.skip("this machine's WordNet already comes from nltk's data path")
    with zipfile.ZipFile(tmp_path / "wordnet.zip", "w") as archive:  # nltk's download layout
        for entry in wordnet.Path(system.location).iterdir():
            if entry.is_file():
                archive.write(entry, f"wordnet/{entry.name}")
        archive.writestr("wordnet/lexnames", wordnet.lexnames_table())
    data = tmp_path / "nltk_data"
    (data / "corpora").mkdir(parents=True)
    (tmp_path / "wordnet.zip").rename(data / "corpora" / "wordnet.zip")
    before = {word: wordnet.synonym_index().synonyms(word) for word in ("prawns", "baked", "geese", "fast")}
    monkeypatch.setattr(nltk.data, "path", [str(data), *nltk.data.path])
    monkeypatch.setenv("FOODCAP_CACHE", str(tmp_path / "cache"))
    wordnet.locate_wordnet.cache_clear()
    wordnet.synonym_index.cache_clear()
    try:
        found = wordnet.find_wordnet()
        assert found.origin == "nltk" and "wordnet.zip" in found.location
        index = wordnet.synonym_index()
        assert str(index.path).startswith(str(tmp_path / "cache"))
        assert {word: index.synonyms(word) for word in before} == before
    finally:
        wordnet.locate_wordnet.cache_clear()
        wordnet.synonym_index.cache_clear()


def test_missing_wordnet_is_downloaded_once_into_the_cache(
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Where nltk can reach the network, WordNet is fetched into foodcap's cache and found there next time."""
    import zipfile

    import nltk

    system = wordnet.find_wordnet()
    if system.origin != "system":
        pytest.skip("this machine's WordNet comes from nltk's data path: no system copy to serve as the download")
    downloads = []

    def download(package: str, download_dir: str, **kwargs: object) -> bool:  # nltk's layout: corpora/wordnet.zip
        downloads.append((package, download_dir))
        (Path(download_dir) / "corpora").mkdir(parents=True)
        with zipfile.ZipFile(Path(download_dir) / "corpora" / "wordnet.zip", "w") as archive:
            for entry in Path(system.location).iterdir():
                if entry.is_file():
                    archive.write(entry, f"wordnet/{entry.name}")
            archive.writestr("wordnet/lexnames", wordnet.lexnames_table())
        return True

    monkeypatch.setenv("FOODCAP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(wordnet, "_from_system", lambda: None)
    monkeypatch.setattr(nltk.data, "path", [])  # nothing on nltk's path (staged copies of earlier tests included)
    monkeypatch.setattr(nltk, "download", download)
    wordnet.locate_wordnet.cache_clear()
    try:
        found = wordnet.find_wordnet()
        assert downloads == [("wordnet", str(tmp_path / "cache" / "nltk_download"))]
        assert found.origin == "nltk" and found.location.startswith(str(tmp_path / "cache" / "nltk_download"))
        assert capsys.readouterr().err == (
            f"WordNet was missing: downloaded it once into {tmp_path / 'cache' / 'nltk_download'} (for METEOR)\n"
        )
        wordnet.locate_wordnet.cache_clear()
        assert wordnet.find_wordnet().location == found.location and len(downloads) == 1  # once
        assert Meteor.missing_resources() == []
    finally:
        wordnet.locate_wordnet.cache_clear()
        wordnet.synonym_index.cache_clear()


def test_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("FOODCAP_CACHE", str(blocker))
    wordnet.synonym_index.cache_clear()
    try:
        with pytest.raises(FoodcapError, match="set FOODCAP_CACHE to a writable folder"):
            wordnet.synonym_index()
    finally:
        wordnet.synonym_index.cache_clear()
