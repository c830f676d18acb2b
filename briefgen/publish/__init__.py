"""Publishing: the client's archive of their briefings, as a static site any web host can serve.

Owns the site ``briefgen publish`` keeps for each config (:mod:`~briefgen.publish.site`): an index of
the briefings, newest first, each briefing's page and PDF, and an Atom feed (RFC 4287), every link
relative, written from finished builds and kept when the builds are gone.

Imports ``config``, ``records`` (builds, approvals, the delivery log, headlines) and, on its own
floor, ``deliver`` (the PDF's file name a recipient sees); building never imports it.
"""
