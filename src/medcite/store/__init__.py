"""The SQLite evidence store."""

from medcite.store.db import STORE_FILENAME, DocumentNotFound, FileRecord, Store, StoreError, document_hash

__all__ = ["STORE_FILENAME", "DocumentNotFound", "FileRecord", "Store", "StoreError", "document_hash"]
