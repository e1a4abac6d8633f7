"""Pre-flight for the judge: are its weights here (a folder, or the local hub cache), or reachable?

Asked before any captioning, so a missing or gated judge fails in seconds, not after the run.
A hub id that is not cached costs one request (the hub's access check, no download); with
``HF_HUB_OFFLINE=1`` it is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

from foodcap import FoodcapError
from foodcap.backend import checkpoint_problems, find_weights, looks_like_path

from .options import JudgeOptions
from .source import judge_source

FOLDER_HINT = "pass a hub id or an existing folder as --metric-option judge.model=..."
# What from_pretrained reads, safetensors first (.bin through torch's weights-only unpickler).
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)


def missing_judge_weights(options: JudgeOptions) -> list[str]:
    """One line per problem with the judge's weights, each with its remedy; [] when they can be loaded."""
    try:
        source = judge_source(options)
    except FoodcapError as error:
        return [str(error)]
    model = source.options.model
    if source.options.random_weights is not None:
        return []
    if model is None:
        return ["the judge needs a model: --metric-option judge.model=PRESET|HUB_ID|FOLDER"]
    if looks_like_path(model) or Path(model).expanduser().is_dir():
        return folder_problems(Path(model).expanduser())
    return hub_problems(model)


def folder_problems(folder: Path) -> list[str]:
    if not folder.is_dir():
        return [f"judge model folder {folder} does not exist; {FOLDER_HINT}"]
    if not (folder / "config.json").is_file():
        return [f"judge model folder {folder} has no config.json; save the model there with save_pretrained"]
    if find_weights(str(folder)) is None:
        return [f"judge model folder {folder} has no weights ({', '.join(WEIGHT_FILES)})"]
    return checkpoint_problems(folder)


def hub_problems(repo_id: str) -> list[str]:
    from huggingface_hub import auth_check, is_offline_mode, try_to_load_from_cache
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    cached = try_to_load_from_cache(repo_id, "config.json")
    weights = (try_to_load_from_cache(repo_id, name) for name in WEIGHT_FILES)
    if isinstance(cached, str) and any(isinstance(path, str) for path in weights):
        return []
    offline = f"judge model {repo_id!r} is not in the local hub cache and the hub is unreachable"
    remedy = f"download it where there is network (hf download {repo_id}) or pass a folder as judge.model"
    if is_offline_mode():
        return [f"{offline} (HF_HUB_OFFLINE is set): {remedy}"]
    try:
        auth_check(repo_id, token=os.environ.get("HF_TOKEN") or None)
    except GatedRepoError:
        return [
            f"judge model {repo_id!r} is gated: accept its licence on the hub, then set HF_TOKEN to a token with access"
        ]
    except RepositoryNotFoundError:
        return [f"judge model {repo_id!r} is not on the hub (or is private): check the id, or set HF_TOKEN"]
    except Exception as error:  # noqa: BLE001 - any transport failure means: not reachable from here
        return [f"{offline} ({type(error).__name__}): {remedy}"]
    return []
