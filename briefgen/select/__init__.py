"""Selection: which articles a briefing is made from, and which of their sentences it quotes.

Owns the intake (:mod:`~briefgen.select.intake`: read through the workspace, keep what is in the
window and on topic, merge near-duplicates, a decision for every input), sentence selection per
section (:mod:`~briefgen.select.summarize`, methods as alternatives in a plain dict), key players
(:mod:`~briefgen.select.players`) and what the client was told last time
(:mod:`~briefgen.select.novelty`).

Imports ``analyse``, ``ingest``, ``records`` (the previous build, the delivery log) and ``config``.
"""
