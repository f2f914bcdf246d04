"""Domain errors: each carries a short message that is safe to show to a user."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is written for the user (no internals, no secrets)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(UserFacingError):
    """The user's input cannot be understood (malformed id, empty argument, foreign URL)."""

    exit_code = 2


class PaperNotFound(UserFacingError):
    """arXiv has no paper with this id, or a search matched nothing."""

    exit_code = 2


class SourceUnavailable(UserFacingError):
    """arXiv (or its full text) could not be reached or returned something unusable."""


class DocumentError(UserFacingError):
    """The paper's full text could not be read (not a PDF, encrypted, too large, no text)."""


class LLMError(UserFacingError):
    """The language model failed: timeout, refusal, rate limit past the budget, invalid output."""
