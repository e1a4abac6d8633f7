"""Reading a Kaggle-layout folder into cleaned samples, counting every decision by reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .bundled_sample import SAMPLE, sample_root
from .cleaning_report import CleaningReport
from .damaged_names import DAMAGED_NAME, DashNameIndex
from .image_files import MISSING_FILE, check_image_files
from .inside_root import resolved_roots
from .kaggle_layout import IMAGE_SUFFIX, CsvRow, KaggleFolder
from .recipe_dataset import RecipeDataset, Sample
from .titles import MISSING_VALUES, clean_title

EMPTY_ID = "empty id"
DUPLICATE_ID = "duplicate id"
EMPTY_TITLE = "empty title"
EMPTY_IMAGE_NAME = "empty image name"
UNRECOVERABLE_NAME = "unrecoverable #NAME? image name"
NAME_RECOVERED = "#NAME? image name recovered"
TITLE_CLEANED = "title whitespace/control chars cleaned"


@dataclass(frozen=True)
class _Candidate:
    """A row that passed every check on its text and now waits for its image file's check."""

    row: CsvRow
    title: str
    file_name: str
    repairs: tuple[str, ...]


def load_kaggle_dataset(location: str | Path, *, workers: int = 1, allow_outside_root: bool = False) -> RecipeDataset:
    """``"sample"`` means the bundled sample; otherwise a folder in the Kaggle layout.

    Raises FoodcapError (one line) if the folder has no CSV or no images folder. Image files get
    only the cheap checks of ``check_image_file``. ``workers`` threads run them: one is fastest
    when the files sit in the page cache (the usual case; the checks are then header parsing
    under the GIL, which threads only contend for); more overlap reads on slow or network disks.
    An image file that is a symlink out of ``location`` is skipped unless ``allow_outside_root``.
    """
    root = sample_root() if str(location) == SAMPLE else Path(location).expanduser().resolve()
    folder = KaggleFolder.find(root)
    rows = folder.read_rows()
    listing = folder.image_names()
    report = CleaningReport.for_rows(len(rows))

    candidates = _check_text(rows, listing, report)
    file_names = sorted({candidate.file_name for candidate in candidates})
    roots = None if allow_outside_root else resolved_roots([root])
    paths = [folder.images_dir / name for name in file_names]
    problems = dict(zip(file_names, check_image_files(paths, workers, roots)))

    samples = []
    for candidate in candidates:
        problem = problems[candidate.file_name]
        if problem is not None:
            report.add_skip(problem)
            continue
        for repair in candidate.repairs:
            report.add_repair(repair)
        samples.append(Sample(candidate.row.id, folder.images_dir / candidate.file_name, (candidate.title,)))
    return RecipeDataset(root=root, samples=samples, report=report, image_roots=roots)


def _check_text(rows: list[CsvRow], listing: set[str], report: CleaningReport) -> list[_Candidate]:
    """Decide every row on its CSV fields and the folder listing alone; skips go in ``report``.

    A row is counted under the first reason that rules it out, in the order checked here.
    Repairs are kept on the candidate and counted only if the row survives its file check.
    """
    referenced = {name for row in rows if (name := _file_name(row.image_name, listing))}
    dash_names = DashNameIndex(listing, referenced)
    seen_ids: set[str] = set()
    candidates = []
    for row in rows:
        if not row.id:
            report.add_skip(EMPTY_ID)
            continue
        if row.id in seen_ids:
            report.add_skip(DUPLICATE_ID)
            continue
        seen_ids.add(row.id)
        title = clean_title(row.title)
        if not title:
            report.add_skip(EMPTY_TITLE)
            continue
        repairs: tuple[str, ...] = (TITLE_CLEANED,) if title != row.title else ()
        image_name = row.image_name.strip()
        if image_name in MISSING_VALUES:
            report.add_skip(EMPTY_IMAGE_NAME)
            continue
        if image_name == DAMAGED_NAME:
            file_name = dash_names.recover(title)
            if file_name is None:
                report.add_skip(UNRECOVERABLE_NAME)
                continue
            repairs += (NAME_RECOVERED,)
        else:
            file_name = _file_name(image_name, listing)
            if file_name is None:
                report.add_skip(MISSING_FILE)
                continue
        candidates.append(_Candidate(row, title, file_name, repairs))
    return candidates


def _file_name(image_name: str, listing: set[str]) -> str | None:
    """The listed file an Image_Name refers to: ``<name>.jpg`` as in Kaggle, or the name itself."""
    name = image_name.strip()
    if not name or name == DAMAGED_NAME:
        return None
    for file_name in (name + IMAGE_SUFFIX, name):
        if file_name in listing:
            return file_name
    return None
