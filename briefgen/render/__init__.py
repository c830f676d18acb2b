"""Rendering: a selection becomes a briefing, and the briefing every format a client reads.

Owns composing the :class:`~briefgen.models.Briefing` record from the selection
(:mod:`~briefgen.render.compose`: numbered sources, items with their offsets, bounded metadata),
the Jinja templates with client overrides and their context (:mod:`~briefgen.render.templates`,
:mod:`~briefgen.render.filters`), branding (:mod:`~briefgen.render.look`), the coverage chart
(:mod:`~briefgen.render.chart`), the evidence view (:mod:`~briefgen.render.evidence`) and each
format: Markdown, HTML and JSON (:mod:`~briefgen.render.formats`), email
(:mod:`~briefgen.render.email`) and PDF (:mod:`~briefgen.render.pdf`).

Imports ``config``, ``ingest`` (dates, URLs), ``select`` (report paths), the models, errors and text helpers.
"""
