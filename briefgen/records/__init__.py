"""The records kept beside builds: what a build wrote, what an editor chose, what was sent.

Owns the manifest of a finished build and its file names (:mod:`~briefgen.records.manifest`), what
is read back of ``briefing.json`` (:mod:`~briefgen.records.briefing`), an editor's ``edits.yaml``
(:mod:`~briefgen.records.edits`), the approval of one build (:mod:`~briefgen.records.approval`), the
delivery log with its unsubscribes (:mod:`~briefgen.records.deliveries`), what a briefing leads with
for notifications and the archive (:mod:`~briefgen.records.headlines`), and how every file of an output directory is
written and read back (:mod:`~briefgen.records.files`: atomically, never through a link, bounded).
Building reads them (what was sent last week, what the editor dropped) and sending writes the log,
so they live below both.

Imports only ``config`` and the ground floor (``_version``, ``errors``, ``models``, ``textsafe``, ``dirs``, ``codebase``, ``safe_yaml``).
"""
