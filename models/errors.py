"""Errors raised by domain operations; their message is shown to the user as is."""

from typing import Any


class DomainError(Exception):
    """A refused operation: nothing was changed. `message` is a translatable string."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
