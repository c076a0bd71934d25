"""The one error type extractors raise for a file they cannot read."""


class ExtractionError(Exception):
    """A one-line, user-facing reason why an artifact could not be read."""
