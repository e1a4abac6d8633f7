"""What every built wheel and sdist must hold: the licence, py.typed, metadata a package index shows
(classifiers, project URLs), pinned foodcap requirements, and nothing stray."""

from __future__ import annotations

import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

STRAY = (".gitattributes", "__pycache__", ".pyc", ".DS_Store")  # hatchling puts .gitignore in every sdist by design


def check_wheel(path: Path) -> list[str]:
    problems = []
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        metadata = Parser().parsestr(wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
        problems.append("no LICENSE")
    if not any(n.endswith("/py.typed") for n in names):
        problems.append("no py.typed")
    problems += [f"stray file {n}" for n in names if any(part in n for part in STRAY)]
    if not metadata.get_all("Classifier"):
        problems.append("no classifiers")
    if not metadata.get_all("Project-URL"):
        problems.append("no project URLs")
    for requirement in metadata.get_all("Requires-Dist") or []:
        if requirement.startswith("foodcap") and "<" not in requirement:
            problems.append(f"unpinned {requirement}")
    return problems


def check_sdist(path: Path) -> list[str]:
    with tarfile.open(path) as sdist:
        names = sdist.getnames()
    problems = [] if any(n.endswith("/LICENSE") for n in names) else ["no LICENSE"]
    return problems + [f"stray file {n}" for n in names if any(part in n for part in STRAY)]


def main(dist: Path) -> int:
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    if not wheels or len(wheels) != len(sdists):
        print(f"expected a wheel and an sdist per package in {dist}", file=sys.stderr)
        return 1
    failed = False
    for path in [*wheels, *sdists]:
        problems = check_wheel(path) if path.suffix == ".whl" else check_sdist(path)
        for problem in problems:
            print(f"{path.name}: {problem}", file=sys.stderr)
        failed |= bool(problems)
    print(f"checked {len(wheels)} wheels and {len(sdists)} sdists")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
