"""Collecting: the week's news gathered as it appears, into an archive that builds read.

A feed holds only its latest entries, and an entry is often only a summary of the article behind
its link. ``briefgen collect``, run every hour, polls every ``http(s)://`` source the project's
configs name, follows an entry to its article page when the entry holds only a summary, and stores
each article once in the project's archive (:mod:`~briefgen.collect.archive`, SQLite). It does so
politely (:mod:`~briefgen.collect.polite`: conditional requests, robots.txt, a delay per host, a cap
on new pages, back-off for a failing site). A build serves its URL sources from the archive for its
window (:mod:`~briefgen.collect.serve`), so Friday's briefing still has Monday's entries.

Owns the archive, feed entries as articles (:mod:`~briefgen.collect.entries`), canonical URLs
(:mod:`~briefgen.collect.urls`), the politeness rules, which configs a project has and what they
ask to collect (:mod:`~briefgen.collect.plan`), and the collecting run (:mod:`~briefgen.collect.run`).

Imports from the floors below it: ``ingest`` (fetching, reading, dating), ``config`` and the ground
floor (``errors``, ``models``, ``textsafe``). Builds (``select``) import it; it imports nothing of
analysis, selection, rendering or sending.
"""
