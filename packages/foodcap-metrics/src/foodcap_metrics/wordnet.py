"""WordNet 3.0 for METEOR: where it is found, and a fast synonym index built from it once.

METEOR matches synonyms exactly as nltk's ``wordnet.synsets(word)`` finds them. nltk's reader parses
all of WordNet at start-up (seconds), so foodcap compiles the part METEOR needs (lemma -> synonym
names, morphology exceptions) into an SQLite file in its cache and applies nltk's morphy rules itself;
the agreement tests compare both readers word by word.

WordNet is looked for in this order:

1. nltk's data path (``python -m nltk.downloader wordnet``);
2. ``$WNSEARCHDIR`` or ``/usr/share/wordnet``, where Debian/Ubuntu's ``wordnet-base`` and
   ``wordnet-sense-index`` install it. Those lack nltk's ``lexnames`` table, and nltk reads only files
   it owns under a corpus root, so :func:`nltk_wordnet` stages a copy with ``lexnames`` in the cache;
3. a copy nltk downloaded into foodcap's cache (``<cache>/nltk_download``): when neither of the above
   holds WordNet, :func:`find_wordnet` fetches it there once with nltk's downloader, as Hugging Face
   evaluate's METEOR does, printing one line once it has (nltk's own messages are kept off the console);
4. otherwise (offline) a :class:`FoodcapError` names both remedies. METEOR never runs without synonyms.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import socket
import sqlite3
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from foodcap import FoodcapError

if TYPE_CHECKING:
    from nltk.corpus.reader import WordNetCorpusReader

POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# nltk.corpus.reader.wordnet.WordNetCorpusReader.MORPHOLOGICAL_SUBSTITUTIONS, in nltk's order.
MORPHOLOGICAL_SUBSTITUTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "n": (
        ("s", ""),
        ("ses", "s"),
        ("ves", "f"),
        ("xes", "x"),
        ("zes", "z"),
        ("ches", "ch"),
        ("shes", "sh"),
        ("men", "man"),
        ("ies", "y"),
    ),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}
# WordNet 3.0's lexicographer files (lexnames(5WN)): the table Debian's packages leave out.
LEXNAMES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
    "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
    "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
    "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
    "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
    "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather "
    "adj.ppl"
).split()
_LEXNAME_POS = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}
_WORDNET_FILES = [f"{kind}.{pos}" for pos in POS_FILES.values() for kind in ("index", "data")] + [
    f"{pos}.exc" for pos in POS_FILES.values()
]
_INDEX_FORMAT = 1  # bump when the synonym index layout or its derivation changes
_MISSING = (
    "METEOR needs WordNet 3.0 and none was found. Install it with `python -m nltk.downloader wordnet` "
    "or `apt-get install wordnet-base wordnet-sense-index` (Debian/Ubuntu)"
)


def lexnames_table() -> str:
    """The ``lexnames`` file nltk expects: number, lexicographer file, syntactic category."""
    return "".join(f"{i:02d}\t{name}\t{_LEXNAME_POS[name.split('.')[0]]}\n" for i, name in enumerate(LEXNAMES))


def cache_dir() -> Path:
    """``$FOODCAP_CACHE``, else ``$XDG_CACHE_HOME/foodcap``, else ``~/.cache/foodcap``."""
    if os.environ.get("FOODCAP_CACHE"):
        return Path(os.environ["FOODCAP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "foodcap"


@dataclass(frozen=True)
class WordNetSource:
    """Where WordNet was found: ``read`` returns a file's bytes; ``origin`` says which route found it."""

    origin: str
    location: str
    read: Callable[[str], bytes]
    fingerprint: str

    @property
    def needs_staging(self) -> bool:
        return self.origin != "nltk"


def download_dir() -> Path:
    """Where nltk's downloader puts WordNet for foodcap (apart from the staged copy, which is no source)."""
    return cache_dir() / "nltk_download"


def _from_nltk_data() -> WordNetSource | None:
    import nltk

    ours = str(cache_dir() / "nltk_data")  # the copy foodcap staged is not a source of its own
    downloaded = str(download_dir())
    if downloaded not in nltk.data.path:
        nltk.data.path.append(downloaded)  # nltk opens zipped corpora only under its data path
    paths = [p for p in nltk.data.path if str(p) != ours]
    root = None
    for resource in ("corpora/wordnet.zip/wordnet/", "corpora/wordnet"):  # as nltk.corpus.wordnet looks
        try:
            root = nltk.data.find(resource, paths=paths)
            break
        except LookupError:
            continue
    if root is None:
        return None

    def read(name: str) -> bytes:
        with root.join(name).open() as stream:
            data = stream.read()
        return data if isinstance(data, bytes) else data.encode("utf8")

    return WordNetSource("nltk", str(root), read, _fingerprint(str(root), read))


def _system_dirs() -> Iterator[Path]:
    if os.environ.get("WNSEARCHDIR"):
        yield Path(os.environ["WNSEARCHDIR"])
    yield Path("/usr/share/wordnet")


def _from_system() -> WordNetSource | None:
    for folder in _system_dirs():
        if all((folder / name).is_file() for name in _WORDNET_FILES):

            def read(name: str, folder: Path = folder) -> bytes:
                return (folder / name).read_bytes()

            stats = "".join(
                f"{name}:{(folder / name).stat().st_size}:{(folder / name).stat().st_mtime_ns};"
                for name in _WORDNET_FILES
            )
            return WordNetSource("system", str(folder), read, hashlib.sha256(stats.encode()).hexdigest()[:16])
    return None


def _fingerprint(location: str, read: Callable[[str], bytes]) -> str:
    digest = hashlib.sha256(location.encode())
    digest.update(read("index.noun")[-4096:])  # cheap: a location plus a slice of the largest index
    return digest.hexdigest()[:16]


_DOWNLOAD_TIMEOUT = 20.0  # seconds per network operation: offline machines answer "no" quickly


def _download() -> WordNetSource | None:
    """Fetch WordNet with nltk's downloader into :func:`download_dir`; None when the network says no.

    nltk's own messages are kept off the console: foodcap says in one line what became of it."""
    import nltk

    target = download_dir()
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(_DOWNLOAD_TIMEOUT)
    try:
        target.mkdir(parents=True, exist_ok=True)
        fetched = nltk.download(
            "wordnet", download_dir=str(target), quiet=True, raise_on_error=False, print_error_to=io.StringIO()
        )
    except OSError:
        fetched = False
    finally:
        socket.setdefaulttimeout(previous)
    source = _from_nltk_data() if fetched else None
    if source is not None:
        print(f"WordNet was missing: downloaded it once into {target} (for METEOR)", file=sys.stderr, flush=True)
    return source


@lru_cache(maxsize=1)
def locate_wordnet() -> WordNetSource | None:
    """The first route that finds WordNet, tried once per process (a failed download is not retried)."""
    for finder in (_from_nltk_data, _from_system, _download):
        source = finder()
        if source is not None:
            return source
    return None


def find_wordnet() -> WordNetSource:
    """The WordNet to use, in the documented order (downloading it where the network allows);
    FoodcapError when there is none."""
    source = locate_wordnet()
    if source is None:
        raise FoodcapError(_MISSING)
    return source


def stage_for_nltk(source: WordNetSource) -> Path:
    """A corpus folder nltk's reader accepts: the system files copied (nltk refuses links and files
    outside its data path) plus ``lexnames``; its ``nltk_data`` root joins ``nltk.data.path``."""
    import nltk

    root = cache_dir() / "nltk_data"
    if str(root) not in nltk.data.path:
        nltk.data.path.append(str(root))
    target = root / "corpora" / "wordnet"
    stamp = target / ".foodcap-source"
    if stamp.is_file() and stamp.read_text() == source.fingerprint:
        return target
    target.mkdir(parents=True, exist_ok=True)
    folder = Path(source.location)
    for entry in folder.iterdir():
        if entry.is_file():
            shutil.copyfile(entry, target / entry.name)
    (target / "lexnames").write_text(lexnames_table())
    stamp.write_text(source.fingerprint)
    return target


def nltk_wordnet() -> WordNetCorpusReader:
    """nltk's own WordNet reader over the found WordNet (staged when it is the system copy)."""
    from nltk.corpus.reader import WordNetCorpusReader
    from nltk.data import FileSystemPathPointer

    source = find_wordnet()
    if not source.needs_staging:
        from nltk.corpus import wordnet

        return wordnet  # type: ignore[return-value]
    with warnings.catch_warnings():  # "multilingual functions are not available": METEOR needs none
        warnings.simplefilter("ignore", UserWarning)
        return WordNetCorpusReader(FileSystemPathPointer(str(stage_for_nltk(source))), None)


# --- the synonym index ---------------------------------------------------------------------------------
_SYNTACTIC_MARKER = re.compile(r"(.*?)(\([^()]*\))?$")  # nltk's: "galore(ip)" is the lemma "galore"


def _data_lemma_names(data: bytes) -> dict[int, list[str]]:
    """Synset offset -> lemma names, as nltk parses a data.* file (syntactic markers dropped)."""
    names: dict[int, list[str]] = {}
    for line in data.decode("utf8").splitlines():
        if line.startswith(" ") or not line:
            continue
        fields = line.split("|", 1)[0].split()
        count = int(fields[3], 16)
        words = fields[4 : 4 + 2 * count : 2]
        names[int(fields[0])] = [_SYNTACTIC_MARKER.match(w).group(1) for w in words]  # type: ignore[union-attr]
    return names


def _index_entries(data: bytes) -> Iterable[tuple[str, list[int]]]:
    """(lemma, synset offsets) per line of an index.* file."""
    for line in data.decode("utf8").splitlines():
        if line.startswith(" ") or not line:
            continue
        fields = line.split()
        n_synsets = int(fields[2])
        n_pointers = int(fields[3])
        offsets_at = 4 + n_pointers + 2
        yield fields[0], [int(f) for f in fields[offsets_at : offsets_at + n_synsets]]


def _build_index(source: WordNetSource, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        connection = sqlite3.connect(temporary)
        connection.execute(
            "CREATE TABLE lemma (form TEXT, pos TEXT, names TEXT, PRIMARY KEY (form, pos)) WITHOUT ROWID"
        )
        connection.execute(
            "CREATE TABLE exception (form TEXT, pos TEXT, bases TEXT, PRIMARY KEY (form, pos)) WITHOUT ROWID"
        )
        for pos, suffix in POS_FILES.items():
            names = _data_lemma_names(source.read(f"data.{suffix}"))
            rows = []
            for lemma, offsets in _index_entries(source.read(f"index.{suffix}")):
                synonyms = sorted({n for offset in offsets for n in names[offset] if "_" not in n})
                rows.append((lemma, pos, " ".join(synonyms)))
            connection.executemany("INSERT OR REPLACE INTO lemma VALUES (?, ?, ?)", rows)
            exceptions = []
            for line in source.read(f"{suffix}.exc").decode("utf8").splitlines():
                terms = line.split()
                if terms:
                    exceptions.append((terms[0], pos, " ".join(terms[1:])))
            connection.executemany("INSERT OR REPLACE INTO exception VALUES (?, ?, ?)", exceptions)
        connection.commit()
        connection.close()
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


class SynonymIndex:
    """``synonyms(word)``: the lemma names nltk's METEOR collects from ``wordnet.synsets(word)``.

    That is: for each part of speech, the word itself and its morphy base forms (the exception list if
    the word is in it, else each suffix rule once) that WordNet knows, and every lemma name without an
    underscore in all their synsets; plus the word itself.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._owner_pid = -1
        self._cache: dict[str, frozenset[str]] = {}
        self._with_word: dict[str, frozenset[str]] = {}

    def _db(self) -> sqlite3.Connection:
        if self._connection is None or self._owner_pid != os.getpid():  # never share one across fork
            self._connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._owner_pid = os.getpid()
        return self._connection

    def _rows(self, table: str, forms: set[str]) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        batch = sorted(forms)
        column = "names" if table == "lemma" else "bases"
        for start in range(0, len(batch), 500):
            chunk = batch[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT form, pos, {column} FROM {table} WHERE form IN ({marks})"  # noqa: S608
            for form, pos, value in self._db().execute(query, chunk):
                found[(form, pos)] = value
        return found

    def prefetch(self, words: Iterable[str]) -> None:
        """Look up many words in two queries instead of several each."""
        todo = {w.lower() for w in words} - self._cache.keys()
        if not todo:
            return
        exceptions = self._rows("exception", todo)
        candidates: dict[str, list[tuple[str, str]]] = {}
        for word in todo:
            pairs = []
            for pos, substitutions in MORPHOLOGICAL_SUBSTITUTIONS.items():
                if (word, pos) in exceptions:
                    forms = [word, *exceptions[(word, pos)].split()]
                else:
                    forms = [word] + [word[: -len(old)] + new for old, new in substitutions if word.endswith(old)]
                pairs += [(form, pos) for form in dict.fromkeys(forms)]
            candidates[word] = pairs
        lemmas = self._rows("lemma", {form for pairs in candidates.values() for form, _ in pairs})
        for word, pairs in candidates.items():
            names = {name for pair in pairs if pair in lemmas for name in lemmas[pair].split()}
            self._cache[word] = frozenset(names)

    def synonyms(self, word: str) -> frozenset[str]:
        """Lemma names of the word's synsets (nltk lower-cases the word first), plus the word itself."""
        found = self._with_word.get(word)
        if found is None:
            key = word.lower()
            if key not in self._cache:
                self.prefetch([key])
            found = self._with_word[word] = self._cache[key] | {word}
        return found


@lru_cache(maxsize=1)
def synonym_index() -> SynonymIndex:
    """The synonym index of the found WordNet, built into the cache on first use."""
    source = find_wordnet()
    path = cache_dir() / "wordnet" / f"synonyms-{source.fingerprint}-v{_INDEX_FORMAT}.sqlite"
    if not path.is_file():
        try:
            _build_index(source, path)
        except OSError as error:
            raise FoodcapError(
                f"cannot write METEOR's WordNet index to {path.parent} ({error.strerror or error}); "
                "set FOODCAP_CACHE to a writable folder"
            ) from error
    return SynonymIndex(path)
