"""An example foodcap plugin: a colour-naming captioner, an exact-match metric and a menu-photos dataset.

Copy this package to start your own: ``plugin.py`` holds the hooks and one entry point in
pyproject.toml names it; the parts it registers by import path load only when used.
"""
