"""Ingestion: every input, whatever its form, to articles with clean text and honest metadata.

Owns finding a config's input files within its limits (:mod:`~briefgen.ingest.sources`), fetching
URLs with deadlines and a cache (:mod:`~briefgen.ingest.fetch`), decoding bytes
(:mod:`~briefgen.ingest.decode`), the readers of each form (:mod:`~briefgen.ingest.readers`, web
pages through :mod:`~briefgen.ingest.webpage`), cleaning and near-duplicates
(:mod:`~briefgen.ingest.clean`) and when an article is from (:mod:`~briefgen.ingest.dates`).

Imports only ``config`` and the ground floor (``_version``, ``errors``, ``models``, ``textsafe``, ``dirs``, ``codebase``, ``safe_yaml``).
"""
