"""The weekly run: every client's briefing built, and sent, in one go.

Owns the batch (:mod:`~briefgen.batch.run`: plan, share the reading and analysis of articles, build
each config, deliver) and where it runs (:mod:`~briefgen.batch.executors`: this process, local
processes or a Dask cluster, as alternatives in a plain dict).

Imports building (``pipeline``, ``reuse`` and the stages below) and sending (``deliver``); nothing
below it imports the batch.
"""
