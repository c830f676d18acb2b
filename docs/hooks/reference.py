"""MkDocs hook: the reference pages, generated from briefgen's own code at build time.

A page asks for a generated part with a marker line of its own:

    <!-- reference: config -->      every config key and every key of briefgen.yaml
    <!-- reference: commands -->    every command's --help, as click prints it
    <!-- reference: template -->    what templates see: variables, records and filters

``on_page_markdown`` replaces each marker with Markdown made by ``config_reference()``,
``command_reference()`` and ``template_reference()``. They are plain functions, so a test can
call them too (load this file with importlib; ``docs/`` is not a package). What the code leaves
undocumented (a template field with no docstring and no note here, a context variable or
filter nobody described) is reported by ``undocumented()`` and logged as a warning during the
build, so ``mkdocs build --strict`` fails until it is described.

Only these names are imported from briefgen: ``Config`` and ``ProjectFile`` from
``briefgen.config``, ``cli`` from ``briefgen.cli``, the records of ``briefgen.models``, and,
where they can be found, ``template_env`` and ``template_context`` (or ``_context``) in
``briefgen.render`` or one of its modules.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import importlib
import inspect
import json
import logging
import pkgutil
import re
import textwrap
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger("mkdocs.plugins.briefgen_reference")

MARKER = re.compile(r"^<!--\s*reference:\s*([a-z_-]+)\s*-->\s*$", re.M)

# ----------------------------------------------------------------------------- text


def _markdown(doc: str | None) -> str:
    """A docstring as Markdown: reST roles and double backticks become code spans, lines joined
    into paragraphs, and ``<`` outside code escaped so that ``<client>`` is not read as a tag."""
    if not doc:
        return ""
    text = inspect.cleandoc(doc)
    # "(see :mod:`briefgen.edits`)" says nothing to a reader of the docs: left out.
    text = re.sub(r"\s*\(see :mod:`[^`]+`\)", "", text)
    # :func:`~briefgen.builds.code_version` -> `code_version`; :attr:`Article.date_source` -> `Article.date_source`
    text = re.sub(r":[a-z]+:`~(?:[\w.]+\.)?([\w()]+)`", r"`\1`", text)
    text = re.sub(r":[a-z]+:`(?:briefgen\.)?([\w.()]+)`", r"`\1`", text)
    text = text.replace("``", "`")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    out = []
    for para in paragraphs:
        parts = para.split("`")
        for i in range(0, len(parts), 2):  # outside code spans
            parts[i] = parts[i].replace("<", "&lt;")
        out.append("`".join(parts))
    return "\n\n".join(out)


# ----------------------------------------------------------------------------- config keys


def _type_name(annotation: Any) -> str:  # noqa: ANN401 - any annotation
    """A config value's type as a user writes it in YAML."""
    from pydantic import BaseModel

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        shown = [f"`{a}`" for a in args]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
    if origin in (typing.Union, types.UnionType):
        kinds = [_type_name(a) for a in args if a is not type(None)]
        text = " or ".join(kinds)
        if type(None) in args:
            text += "; or `null`" if "," in text else " or `null`"
        return text
    if origin in (list, tuple, set, frozenset):
        if not args:
            return "list"
        inner = _type_name(args[0])
        return f"list of: {inner}" if " or " in inner else f"list of {inner}"
    if origin is dict or annotation is dict:
        return "mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    names = {str: "string", int: "integer", float: "number", bool: "boolean", dt.date: "date (YYYY-MM-DD)"}
    if annotation is Any:
        return "any"
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _models_in(annotation: Any) -> list[type]:  # noqa: ANN401 - any annotation
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models_in(a)]


def _value(value: Any) -> str:  # noqa: ANN401 - any default
    """A default as YAML would write it, in a code span."""
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, (list, tuple)):
        return "`[" + ", ".join(str(v) for v in value) + "]`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{json.dumps(value)}`"
    return f"`{value}`"


def _limits(field: Any) -> str:  # noqa: ANN401 - a pydantic FieldInfo
    """What a field's constraints allow, in words."""
    kind = typing.get_origin(field.annotation)
    unit = " items" if kind in (list, tuple, set) else " characters"
    words = []
    for rule in field.metadata:
        for attr, say, suffix in (
            ("ge", "at least", ""),
            ("gt", "more than", ""),
            ("le", "at most", ""),
            ("lt", "less than", ""),
            ("min_length", "at least", unit),
            ("max_length", "at most", unit),
        ):
            bound = getattr(rule, attr, None)
            if bound is not None:
                if suffix and bound == 1:
                    suffix = suffix.rstrip("s")
                words.append(f"{say} {bound:,}{suffix}" if isinstance(bound, int) else f"{say} {bound}{suffix}")
    return ", ".join(words)


def _walk(model: type, prefix: str = "") -> Iterator[tuple[str, Any, list[type]]]:
    """Every key of a model and of the models nested in it, depth first: (dotted path, field, nested models)."""
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        path = f"{prefix}{field.alias or name}"
        nested = _models_in(field.annotation)
        yield path, field, nested
        for sub in nested:
            yield from _walk(sub, path + ".")


def _key_entry(path: str, field: Any, nested: list[type], level: int, anchor_prefix: str) -> str:  # noqa: ANN401
    heading = "#" * level
    facts = [f"**Type:** {_type_name(field.annotation)}"]
    if field.is_required():
        facts.append("**Required**")
    else:
        default = field.get_default(call_default_factory=True)
        if not (nested and default is not None and not isinstance(default, (list, dict))):
            facts.append(f"**Default:** {_value(default)}")
    limits = _limits(field)
    if limits:
        facts.append(f"**Limits:** {limits}")
    body = _markdown(field.description) or "*Not documented.*"
    more = ""
    if nested and (doc := _markdown(nested[0].__doc__)) and doc not in body:
        more = "\n\n" + doc
    return f"{heading} `{path}` {{#{anchor_prefix}{path}}}\n\n{' · '.join(facts)}\n\n{body}{more}\n"


def config_reference() -> str:
    """Every key of a config file and of the project file, with its type, default, limits and description."""
    from briefgen.config import Config, ProjectFile

    parts = [_markdown(Config.__doc__), ""]
    for path, field, nested in _walk(Config):
        parts.append(_key_entry(path, field, nested, 2 if "." not in path else 3, ""))
    parts.append("## The project file, `briefgen.yaml` {#project-file}\n")
    parts.append(_markdown(ProjectFile.__doc__) + "\n")
    for path, field, nested in _walk(ProjectFile):
        parts.append(_key_entry(path, field, nested, 3, "project."))
    return "\n".join(parts)


def config_keys() -> list[str]:
    """The dotted path of every config key (a test can check each is on the page)."""
    from briefgen.config import Config

    return [path for path, _, _ in _walk(Config)]


# ----------------------------------------------------------------------------- commands


def _command_help() -> list[tuple[str, str]]:
    """(name, help text) of ``briefgen`` itself and each of its commands, as ``--help`` prints them at 80 columns."""
    import click

    from briefgen.cli import cli

    width = {"terminal_width": 80, "max_content_width": 80}
    top = click.Context(cli, info_name="briefgen", **{**cli.context_settings, **width})
    out = [("briefgen", cli.get_help(top))]
    for name in cli.list_commands(top):
        command = cli.get_command(top, name)
        if command is None or command.hidden:
            continue
        ctx = click.Context(command, info_name=name, parent=top, **{**command.context_settings, **width})
        out.append((name, command.get_help(ctx)))
    return out


def command_reference() -> str:
    """Every command's help, each under a heading of its own (anchor: the command's name)."""
    parts = []
    for name, text in _command_help():
        title = "briefgen" if name == "briefgen" else f"briefgen {name}"
        anchor = "briefgen" if name == "briefgen" else name
        parts.append(f"## `{title}` {{#{anchor}}}\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def command_names() -> list[str]:
    """The name of every command (a test can check each is on the page)."""
    return [name for name, _ in _command_help() if name != "briefgen"]


# ----------------------------------------------------------------------------- templates

#: The records templates reach from ``briefing``, in the order the page shows them.
RECORDS = ("Briefing", "Section", "Item", "BriefingStory", "StoryArticle", "AnalystNote", "Source", "SourceRef")

#: What a record's field or method means, for those the code gives no docstring. The code's own
#: docstring wins wherever there is one.
FIELD_NOTES = {
    "Briefing.title": "The briefing's title (`title` in the config).",
    "Briefing.as_of": "The last day of the window (a date; format it with `isodate` or `longdate`).",
    "Briefing.window_start": "The first day of the window.",
    "Briefing.window_days": "How many days the window spans (`window.days`).",
    "Briefing.audience": 'The audience\'s name, as the header shows it ("executive", "analyst").',
    "Briefing.sections": "The sections, in the order the audience lists them; a section with nothing to quote is left out.",
    "Briefing.sources": "The numbered source list, in the order of the numbers.",
    "Briefing.articles_read": "How many articles were read for this briefing.",
    "Briefing.articles_used": "How many articles it draws on (a story merged from several copies counts once).",
    "Briefing.extra": "Anything else a program that builds briefings attaches for its own templates; empty by default.",
    "Briefing.section": "`briefing.section(name)`: the section of that name (`key_points`…), or none when the briefing lacks it.",
    "Section.name": "`bottom_line`, `key_points`, `why_it_matters`, `by_the_numbers`, `key_players` or `whats_next`.",
    "Section.heading": 'The heading shown ("Key points").',
    "Section.items": "The quoted sentences, in reading order.",
    "Item.text": "The sentence, exactly as it stands in its source.",
    "Item.sources": "The numbers of the sources it cites (`Source.id`).",
    "Item.offsets": "For each cited source, the `(start, end)` character offsets of the sentence in that source's cleaned text.",
    "Item.story": "With `layout: stories`: the id of the story it is quoted for (`BriefingStory.id`).",
    "Item.label": 'What the item is about, where a section names it: in Key players, the player and how many of the articles used name them ("Japan (7 articles)").',
    "AnalystNote.text": "The note, as the editor wrote it.",
    "Source.id": "The source's number, which citations `[n]` use.",
    "Source.title": "The title, when the article states one.",
    "Source.publisher": "The publisher, when known.",
    "Source.author": "The author, when known.",
    "Source.date": "The article's date, when known.",
    "Source.url": "The article's address, when it has one (link it through the `href` filter).",
    "Source.path": "The file or URL it was read from; for `briefing.json`, never shown to a client by the default templates.",
    "Source.also": "Every copy of the same story merged into it (`SourceRef` records), its own outlet's other versions included; `src|elsewhere` gives those the source list shows, the other outlets' and those of no known outlet.",
    "Source.text_sha256": "The sha256 of `text`, as `briefing.json` records it.",
    "SourceRef.title": "The copy's title, when known.",
    "SourceRef.publisher": "The outlet, when known.",
    "SourceRef.date": "The copy's date, when known.",
    "SourceRef.url": "The copy's address, when it has one.",
    "SourceRef.path": "The file or URL the copy was read from.",
    "BriefingStory.id": "The story's id, stable across builds while its headline article stays; items name it in `Item.story`.",
    "BriefingStory.first_date": "The date of its earliest dated article, when any is dated.",
    "BriefingStory.last_date": "The date of its latest dated article, when any is dated.",
    "StoryArticle.path": "The file or URL the article was read from.",
    "StoryArticle.url": "The article's address, when it has one.",
    "StoryArticle.date": "The article's date, when known.",
    "StoryArticle.outlet": "The article's publisher, when known.",
}

#: The variables every template gets besides ``briefing``: what each holds. Checked against the
#: render code's context where it can be found.
CONTEXT_NOTES = {
    "briefing": "The briefing: a `Briefing` record (below).",
    "lang": 'The briefing\'s language, an ISO 639-1 code (`look.language`): `<html lang="{{ lang }}">`.',
    "t": 'The briefing\'s fixed words in its language: `{{ t("sources") }}`, `{{ t("read", 3) }}` (a count picks the singular or plural), `{{ t("as_of", date=...) }}`; the keys are those of `briefgen.render.words.WORDS`.',
    "look": "The branding and page settings: a `Look` (below).",
    "for_email": "True while `briefing.html.j2` is rendered as the email body (`briefing.email.html.j2`), false for the page and the PDF.",
    "logo_src": "The logo's `src`: a `data:` URI in the page and PDF, `cid:logo@briefing` in the email; none without a logo.",
    "cites": "`cites(item)`: the item's citations, each with `source` (the number), `anchor` (the id of the quoted span in the evidence view), `back` (the id of the citation, which the span links back to) and `original` (the article's URL at the quoted sentence, through a text fragment; none without an http(s) URL).",
    "evidence": "The evidence view: one entry per cited source with text, each with `source` (the `Source`), `passages` (each with `segments`, runs of text with `anchor` and `back` set on quoted ones, and `skipped_before`, `cut_before`, `cut_after`), `skipped_after` and `whole`. Empty in the email.",
    "evidenced": "The ids of the sources the evidence view shows.",
    "chart_svg": "The coverage chart as inline SVG (page and PDF only); none when `output.chart` is off or in the email.",
    "chart_lines": "The chart as lines of text, for Markdown and plain text; empty when the chart is off.",
    "chart_bars": 'The chart\'s bars, each with `start`, `end`, `count`, `label` (the row label: "Tue 11 Feb") and `short` (the axis label).',
    "chart_unit": 'What one bar counts: "day", "week" or "month".',
    "chart_heading": 'The chart\'s heading: "Coverage this week", or by the window ("Coverage, 30 days to 14 February 2025").',
    "chart_undated": 'The undated articles used, counted beside the chart ("+1 undated"); empty when there are none.',
    "daily": "`(start, count)` for each bar, for templates written before `chart_bars`.",
    "also_max": "How many other outlets a source lists by name; the rest are counted.",
    "credit": '`credit(item)`: the item\'s source and date, shown beside it ("Korea Pro, 10 Feb"; the year when it is not the as-of date\'s; "undated" for a source that states no date).',
    "story_line": '`story_line(story)`: a story\'s breadth and time, as its header shows it ("5 articles, 3 outlets, 3–7 Feb", with "developing" when it continues a story of the previous briefing).',
    "counts_line": 'What the briefing was made from, each number saying what it counts: "12 articles read, 9 used in 4 stories, 5 quoted" (quoted: the sources the briefing cites).',
}

#: What ``look`` holds (``Look`` in the render code).
LOOK_NOTES = {
    "client": "The config's `client`, or none.",
    "client_name": "`branding.client_name`, or none.",
    "accent": "`branding.accent`, as `#rrggbb` or `#rgb`; `style.css` sets `--accent` from it.",
    "logo": "The logo as a `data:` URI, or none (use `logo_src` in an `<img>`).",
    "disclaimer": "`branding.disclaimer`, or none.",
    "footer": "`branding.footer`, or none (the default closing line is then used).",
    "page_size": "`A4` or `Letter` (`output.page_size`).",
    "pdf_ua": "Whether the PDF is tagged (`output.pdf_ua`).",
    "chart": "Whether the chart is shown (`output.chart`).",
    "keywords": "The topic's terms, as the page's and the PDF's keywords.",
    "language": "The briefing's language (`language`), an ISO 639-1 code.",
    "languages": "The languages its quotations may be in (`languages`), when the config lists them; else empty.",
    "site_url": "The published archive's public address (`delivery.site.base_url`, ending in `/`), or none: the briefing's page there is `look.site_url ~ (briefing.as_of|isodate) ~ '/'`.",
}

#: Filters briefgen adds to Jinja's own, as a template author uses them.
FILTER_NOTES = {
    "md": "Escapes text for Markdown, on one line, so it renders exactly as written: `{{ item.text|md }}`.",
    "isodate": "A date as `2025-02-14`; empty for none.",
    "longdate": "A date as a reader says it, in the briefing's language: `7 February 2025`, `7. Februar 2025`; empty for none.",
    "when": 'When a source is from, as the source list says it: `2025-02-11`, "undated" or "undated, not before 11 April 2024"; `src|when(true)` capitalises it.',
    "preview_note": 'What the source list says of a preview: "Preview, written before 7 February 2025."; empty otherwise.',
    "css_string": "Text as a CSS string literal, every character but letters, digits and spaces escaped: `content: {{ look.client_name|css_string }}`.",
    "stylesheet": "Makes a stylesheet safe inside `<style>`: it can hold no `<`.",
    "attr": "Text for a quoted HTML attribute (`alt`, `content`), escaped and on one line.",
    "href": "An `href` value: an http(s) URL percent-encoded where it must be, `#` for anything else.",
    "mdurl": "A URL made safe inside a Markdown autolink `<…>`.",
    "mdcode": "A Markdown code span that holds the text on one line, whatever backticks it contains.",
    "oneline": "Text on one line: line breaks and control characters become spaces.",
    "full_stop": 'The "." that ends a title in the source list, or nothing when the title ends with its own mark.',
    "wrap": "Text wrapped for the plain-text email: `text|wrap(72, '- ')` (width, first-line indent).",
}


class _Member(typing.NamedTuple):
    name: str
    kind: str  # "field", "property" or "method"
    type: str
    doc: str


def _class_members(cls: type) -> list[_Member]:
    """A dataclass's fields with their attribute docstrings, read from its source (a dataclass keeps
    none at run time), then its public properties and methods."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    docs: dict[str, str] = {}
    types_: dict[str, str] = {}
    members: list[_Member] = []
    body = node.body
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name = stmt.target.id
            types_[name] = ast.unparse(stmt.annotation)
            nxt = body[i + 1] if i + 1 < len(body) else None
            if isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str):
                docs[name] = nxt.value.value
    for f in dataclasses.fields(cls):
        members.append(_Member(f.name, "field", _plain_type(types_.get(f.name, str(f.type))), docs.get(f.name, "")))
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef) and not stmt.name.startswith("_"):
            is_property = any(
                (isinstance(d, ast.Name) and d.id in ("property", "cached_property")) for d in stmt.decorator_list
            )
            args = [a.arg for a in stmt.args.args[1:]]
            shown = stmt.name if is_property else f"{stmt.name}({', '.join(args)})"
            returns = _plain_type(ast.unparse(stmt.returns)) if stmt.returns else ""
            members.append(
                _Member(shown, "property" if is_property else "method", returns, ast.get_docstring(stmt) or "")
            )
    return members


def _plain_type(annotation: str) -> str:
    """An annotation as a template author reads it: ``dt.date`` is a date."""
    return re.sub(r"\b(?:dt|datetime)\.date\b", "date", annotation)


def _member_key(cls: str, member: _Member) -> str:
    return f"{cls}.{member.name.split('(')[0]}"


def _find(name: str) -> Any:  # noqa: ANN401 - a function of the render code, or None
    """``name`` in ``briefgen.render``: a package-level name, else one of its modules'; None when not found."""
    try:
        render = importlib.import_module("briefgen.render")
    except Exception:  # the render code may be mid-change; the page then says less
        return None
    if hasattr(render, name):
        return getattr(render, name)
    for info in pkgutil.iter_modules(getattr(render, "__path__", [])):
        try:
            module = importlib.import_module(f"briefgen.render.{info.name}")
        except Exception:  # as above
            continue
        if hasattr(module, name):
            return getattr(module, name)
    return None


def _context_names() -> list[str] | None:
    """The names the render code puts in every template's context (the dict its ``template_context``,
    formerly ``_context``, returns), read from its source; None when it cannot be found."""
    function = _find("template_context") or _find("_context")
    if function is None:
        return None
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            names = [k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            # The briefing is being renamed from ``b`` to ``briefing``: either name is the briefing.
            return ["briefing" if n == "b" else n for n in names]
    return None


def _filters() -> dict[str, Callable[..., Any]] | None:
    """The filters briefgen adds to its Jinja environment (Jinja's own left out); None when it cannot be made."""
    template_env = _find("template_env")
    if template_env is None:
        return None
    from jinja2.filters import FILTERS as JINJA_FILTERS

    try:
        env = template_env()
    except Exception:  # as in _find
        return None
    return {k: v for k, v in env.filters.items() if k not in JINJA_FILTERS}


#: What a record is, as a template author needs to know it, where its docstring says less.
RECORD_NOTES = {
    "SourceRef": "A copy of a cited source merged into it: another outlet's report of the same story, or its own outlet's other version (the source list shows only the former: the `elsewhere` filter).",
}


def _records() -> list[tuple[str, str, list[_Member]]]:
    models = importlib.import_module("briefgen.models")
    return [
        (
            name,
            RECORD_NOTES.get(name) or _markdown(getattr(models, name).__doc__),
            _class_members(getattr(models, name)),
        )
        for name in RECORDS
    ]


def undocumented() -> list[str]:
    """What the template reference cannot describe: record fields and methods with neither a
    docstring nor a note here, and context variables and filters nobody described."""
    missing = []
    for cls, _, members in _records():
        for m in members:
            if not m.doc and _member_key(cls, m) not in FIELD_NOTES:
                missing.append(f"template field {_member_key(cls, m)}")
    for name in _context_names() or []:
        if name not in CONTEXT_NOTES:
            missing.append(f"template variable {name}")
    for name, fn in (_filters() or {}).items():
        if name not in FILTER_NOTES and not inspect.getdoc(fn):
            missing.append(f"template filter {name}")
    return missing


def template_reference() -> str:
    """What a template sees: the context variables, ``look``, the records reached from ``briefing``
    (every field with its docstring) and briefgen's filters."""
    parts = ["## Variables {#variables}\n", "| name | what it holds |", "|---|---|"]
    names = _context_names() or list(CONTEXT_NOTES)
    if "briefing" in names:  # the briefing first
        names = ["briefing", *[n for n in names if n != "briefing"]]
    for name in names:
        parts.append(f"| `{name}` | {CONTEXT_NOTES.get(name, '*Not documented.*')} |")
    parts += ["", "## `look` {#look}\n", "| field | what it holds |", "|---|---|"]
    parts += [f"| `look.{k}` | {v} |" for k, v in LOOK_NOTES.items()]
    parts.append("")
    for cls, doc, members in _records():
        parts.append(f"## `{cls}` {{#{cls.lower()}}}\n\n{doc}\n")
        parts += ["| name | type | what it holds |", "|---|---|---|"]
        for m in members:
            text = _markdown(m.doc) or _markdown(FIELD_NOTES.get(_member_key(cls, m))) or "*Not documented.*"
            text = text.replace("\n\n", "<br><br>").replace("|", "\\|")
            kind = "" if m.kind == "field" else f" ({m.kind})"
            shown_type = f"`{m.type}`".replace("|", "\\|") if m.type else ""
            parts.append(f"| `{m.name}`{kind} | {shown_type} | {text} |")
        parts.append("")
    filters = _filters()
    parts += ["## Filters {#filters}\n"]
    parts.append("Besides Jinja's built-in filters, templates have these:\n")
    parts += ["| filter | what it does |", "|---|---|"]
    for name in sorted(filters or FILTER_NOTES):
        fn = filters.get(name) if filters else None
        doc = FILTER_NOTES.get(name) or (_markdown(inspect.getdoc(fn)).split("\n\n")[0] if fn else "")
        parts.append(f"| `{name}` | {(doc or '*Not documented.*').replace('|', chr(92) + '|')} |")
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------- the hook

GENERATORS: dict[str, Callable[[], str]] = {
    "config": config_reference,
    "commands": command_reference,
    "template": template_reference,
}


#: What this build found wrong (an unknown marker, something undocumented), for ``on_post_build``.
_problems: list[str] = []


def on_pre_build(config: Any, **kwargs: Any) -> None:  # noqa: ANN401 - MkDocs' objects
    """A new build (``mkdocs serve`` rebuilds in the same process) starts with no problems."""
    _problems.clear()


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any, **kwargs: Any) -> str:  # noqa: ANN401 - MkDocs' objects
    """Replace each ``<!-- reference: NAME -->`` line of a page with the generated reference."""

    def problem(text: str) -> None:
        _problems.append(text)
        log.warning(text)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        generator = GENERATORS.get(name)
        if generator is None:
            problem(f"{page.file.src_uri}: unknown reference marker {name!r} (known: {', '.join(GENERATORS)})")
            return match.group(0)
        if name == "template":
            for what in undocumented():
                problem(f"{page.file.src_uri}: {what} has no description")
        return generator()

    return MARKER.sub(replace, markdown)


def on_post_build(config: Any, **kwargs: Any) -> None:  # noqa: ANN401 - MkDocs' objects
    """In a strict build, stop on what this hook found, even when ``--quiet`` hides warnings
    from MkDocs' own count."""
    if _problems and config.get("strict"):
        from mkdocs.exceptions import Abort

        raise Abort(f"Aborted: the generated reference has {len(_problems)} problem(s): " + "; ".join(_problems))
