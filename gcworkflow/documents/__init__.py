"""Documents: the content-addressed store (and, lazily, rendering). Never imports WeasyPrint at module level."""

from gcworkflow.documents.store import DocumentStore, FileStore, MissingDocument

__all__ = ["DocumentStore", "FileStore", "MissingDocument"]
