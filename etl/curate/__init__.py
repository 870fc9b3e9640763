"""Curation commands: add a source, draft its claims, compare two builds, keep the changelog."""


class CurationError(Exception):
    """A curation step that cannot go ahead: one line, what is wrong — how to fix it; nothing was written."""
