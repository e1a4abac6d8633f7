"""The one exception type for problems the user can fix (bad input, unknown names, missing weights)."""


class FoodcapError(Exception):
    """A user-facing error: the CLI prints its message on one line and exits with code 2."""
