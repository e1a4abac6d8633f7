from __future__ import annotations

import pytest

from foodcap.backend.hub import hub_errors
from foodcap.errors import FoodcapError


def test_hub_errors_name_the_remedy() -> None:
    with pytest.raises(FoodcapError, match="no such folder"), hub_errors("./models/missing"):
        raise OSError("Repo id must be in the form 'repo_name' or 'namespace/repo_name'")
    with pytest.raises(FoodcapError, match="HF_TOKEN"), hub_errors("meta-llama/Llama-3.2-1B"):
        raise OSError("You are trying to access a gated repo. 401 Client Error")
    with (
        pytest.raises(FoodcapError, match="unreachable.*--model PATH"),
        hub_errors("nlpconnect/vit-gpt2-image-captioning"),
    ):
        raise OSError("We couldn't connect to 'https://huggingface.co' to load the files")
    with pytest.raises(FoodcapError, match="no safetensors weights"), hub_errors("someone/old-model"):
        raise OSError(
            "someone/old-model does not appear to have a file named model.safetensors or "
            "model.safetensors.index.json and thus cannot be loaded with `safetensors`. Please do not set "
            "`use_safetensors=True`."
        )
