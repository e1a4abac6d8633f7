"""What foodcap-core registers itself, exactly as a plugin would (entry points in its pyproject.toml)."""
