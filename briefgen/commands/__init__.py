"""What the commands do beyond building and sending: the core the CLI, the Python API and ``serve`` call.

Owns ``check`` (:mod:`~briefgen.commands.check`, what ``validate`` reports), ``init``
(:mod:`~briefgen.commands.init`, a new project), ``serve`` (:mod:`~briefgen.commands.serve`, the
editor's preview, with its page's files in ``editor/``), ``serve --unsubscribe``
(:mod:`~briefgen.commands.oneclick`, the one-click unsubscribe endpoint), ``verify``
(:mod:`~briefgen.commands.verify`) and ``eval`` (:mod:`~briefgen.commands.evaluate`, ROUGE against
human summaries).

Imports any floor below it; the CLI and the Python API (``briefgen.check``) import it.
"""
