"""The records kept beside builds: what a build wrote, what an editor chose, what was sent.

Owns the manifest of a finished build and its file names (:mod:`~briefgen.records.manifest`), an
editor's ``edits.yaml`` (:mod:`~briefgen.records.edits`), the approval of one build
(:mod:`~briefgen.records.approval`) and the delivery log (:mod:`~briefgen.records.deliveries`).
Building reads them (what was sent last week, what the editor dropped) and sending writes the log,
so they live below both.

Imports only ``config`` and the ground floor (``_version``, ``errors``, ``models``, ``textsafe``, ``dirs``, ``codebase``, ``safe_yaml``).
"""
