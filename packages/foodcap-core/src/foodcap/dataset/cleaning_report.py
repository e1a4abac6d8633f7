"""The cleaning report: every decision taken on the dataset's rows, counted by reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table


@dataclass
class CleaningReport:
    """Counts of rows read, kept and skipped (by reason), and of repairs made (by reason).

    ``rows_read == kept + sum(skipped.values())`` always holds: ``add_skip`` moves rows out of
    ``kept``, so a row that fails only later (at decode time) is recorded the same way.
    Repairs count decisions, not rows: one row can be repaired twice and is still kept once.
    """

    rows_read: int = 0
    kept: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    repaired: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_rows(cls, rows_read: int) -> CleaningReport:
        """A report where every row is kept until a skip says otherwise."""
        return cls(rows_read=rows_read, kept=rows_read)

    def add_skip(self, reason: str, n: int = 1) -> None:
        if n < 0 or n > self.kept:
            raise ValueError(f"cannot skip {n} row(s): only {self.kept} kept")
        self.skipped[reason] = self.skipped.get(reason, 0) + n
        self.kept -= n

    def add_repair(self, reason: str, n: int = 1) -> None:
        if n < 0:
            raise ValueError(f"cannot count {n} repairs")
        self.repaired[reason] = self.repaired.get(reason, 0) + n

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with reasons sorted so two reports of the same data serialise identically."""
        return {
            "rows_read": self.rows_read,
            "kept": self.kept,
            "skipped": dict(sorted(self.skipped.items())),
            "repaired": dict(sorted(self.repaired.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CleaningReport:
        return cls(
            rows_read=int(data["rows_read"]),
            kept=int(data["kept"]),
            skipped={str(k): int(v) for k, v in data.get("skipped", {}).items()},
            repaired={str(k): int(v) for k, v in data.get("repaired", {}).items()},
        )

    def render(self) -> Table:
        table = Table(title="Dataset cleaning", show_footer=False)
        table.add_column("decision")
        table.add_column("reason")
        table.add_column("count", justify="right")
        table.add_row("read", "", str(self.rows_read))
        table.add_row("kept", "", str(self.kept))
        for reason, count in sorted(self.skipped.items(), key=lambda item: (-item[1], item[0])):
            table.add_row("skipped", reason, str(count))
        for reason, count in sorted(self.repaired.items(), key=lambda item: (-item[1], item[0])):
            table.add_row("repaired", reason, str(count))
        return table
