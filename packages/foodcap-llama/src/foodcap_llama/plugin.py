"""foodcap-llama plugin: registers with foodcap through the entry point in pyproject.toml."""
