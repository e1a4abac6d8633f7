"""Everything about one run folder.

- ``folder``: the folder's layout, default names, atomic writes
- ``runner``: ``foodcap run``: plan on rank 0, caption on every rank, merge, score, record
- ``captioning``: the batch loop, its log, and what a folder still lacks (used by the trainer and bench)
- ``parts``, ``merge``: what each captioning process appended, and merging it in split order
- ``resume``: whether a folder holds the same work as a new launch
- ``scoring``: choosing metrics and scoring predictions, or a folder's
- ``record``: run.json and metrics.json, for `run` and `train` alike
- ``predictions``: one line of predictions.jsonl
- ``progress``: the progress bar
- ``bench``: `foodcap bench`, the runner against the naive loops it replaces

Nothing is imported here, so a module of the package can be used without loading the runner.
"""
