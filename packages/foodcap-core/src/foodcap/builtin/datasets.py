"""The built-in dataset kinds, registered like any plugin's (by import path, so listing them imports nothing)."""

from collections.abc import Callable

from ..hookspecs import hookimpl


@hookimpl
def register_datasets(register: Callable[..., None]) -> None:
    # Detection tries kinds in registration order: the most specific layouts first.
    register(
        "foodcap.dataset.kaggle_food:KaggleFood",
        name="kaggle-food",
        description="Kaggle Food Ingredients and Recipe Dataset with Images: the recipe CSV and Food Images/.",
    )
    register(
        "foodcap.dataset.coco_captions:CocoCaptions",
        name="coco",
        description="COCO captions JSON (images + annotations) or the Karpathy split JSON; --image-root for images.",
    )
    register(
        "foodcap.dataset.hf_datasets:HfDataset",
        name="hf",
        description="A Hugging Face dataset: a save_to_disk folder, or load_dataset arguments (foodcap-core[hf]).",
    )
    register(
        "foodcap.dataset.image_folder:ImageFolder",
        name="imagefolder",
        description="Images plus metadata.jsonl or metadata.csv with file_name and a caption column.",
    )
