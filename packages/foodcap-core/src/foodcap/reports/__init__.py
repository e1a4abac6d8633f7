"""Reading run folders back: the comparison table (`foodcap compare`) and the HTML report (`foodcap report`)."""

from .comparison import Comparison, Mismatch, compare_runs
from .report_folder import ReportSettings, write_report
from .run_records import RunRecord, load_runs

__all__ = ["Comparison", "Mismatch", "ReportSettings", "RunRecord", "compare_runs", "load_runs", "write_report"]
