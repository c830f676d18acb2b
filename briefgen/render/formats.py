"""The formats of a briefing: Markdown, HTML and JSON, and :func:`render_all`, the render stage.

:func:`render_all` renders what a config asks for with its templates and branding: the PDF is laid
out from the HTML, the email from the same templates; ``briefing.json`` is always written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import jinja2

from briefgen.config.load import LoadedConfig
from briefgen.models import Briefing, BriefingStory
from briefgen.render.email import render_email
from briefgen.render.look import Look, look_for
from briefgen.render.pdf import render_pdf
from briefgen.render.templates import (
    default_template_dir,
    render_template,
    template_context,
    template_dirs,
    template_env,
    unknown_blocks,
)
from briefgen.textsafe import printable

logger = logging.getLogger(__name__)


def render_markdown(briefing: Briefing, env: jinja2.Environment, look: Look = Look()) -> str:
    return render_template(env, "briefing.md.j2", **template_context(briefing, look))


def render_html(briefing: Briefing, env: jinja2.Environment, look: Look = Look()) -> str:
    return render_template(env, "briefing.html.j2", **template_context(briefing, look))


def briefing_data(briefing: Briefing) -> dict[str, Any]:
    """The briefing as plain data: what ``briefing.json`` holds.

    ``engine`` names the code that made it (:attr:`Briefing.engine`). Each item's
    ``id`` is its passage's stable id (what ``edits.yaml`` drops); ``analyst_notes`` are the
    editor's words, kept apart from the quoted items.
    """
    return {
        "title": briefing.title,
        **({"engine": dict(briefing.engine)} if briefing.engine else {}),
        "as_of": briefing.as_of.isoformat(),
        "window": {
            "start": briefing.window_start.isoformat(),
            "end": briefing.as_of.isoformat(),
            "days": briefing.window_days,
        },
        "audience": briefing.audience,
        "articles_read": briefing.articles_read,
        "articles_used": briefing.articles_used,
        "undated_used": briefing.undated_used,
        "notes": list(briefing.notes),
        **({"new_since": briefing.new_since.isoformat()} if briefing.new_since else {}),
        "sections": [
            {
                "name": s.name,
                "heading": s.heading,
                "items": [
                    {
                        **({"id": it.id} if it.id else {}),
                        "text": it.text,
                        **({"label": it.label} if it.label else {}),
                        **({"new": it.new} if it.new is not None else {}),
                        **({"story": it.story} if it.story else {}),
                        "sources": list(it.sources),
                        "offsets": [list(o) for o in it.offsets],
                    }
                    for it in s.items
                ],
            }
            for s in briefing.sections
        ],
        "layout": briefing.layout,
        **({"stories": [story_data(story) for story in briefing.stories]} if briefing.layout == "stories" else {}),
        **(
            {"analyst_notes": [{"text": n.text, "section": n.section} for n in briefing.analyst_notes]}
            if briefing.analyst_notes
            else {}
        ),
        "sources": [
            {
                "id": src.id,
                "title": src.title,
                "publisher": src.publisher,
                "author": src.author,
                "date": src.date.isoformat() if src.date else None,
                "date_source": src.date_source,
                "not_before": src.not_before.isoformat() if src.not_before else None,
                "preview_of": src.preview_of.isoformat() if src.preview_of else None,
                "url": src.url,
                "path": src.path,
                "text_sha256": src.text_sha256,
                "undated": src.date is None,
                "also_reported_by": [
                    {
                        "title": a.title,
                        "publisher": a.publisher,
                        "date": a.date.isoformat() if a.date else None,
                        "url": a.url,
                        "path": a.path,
                    }
                    for a in src.also
                ],
            }
            for src in briefing.sources
        ],
    }


def story_data(story: BriefingStory) -> dict[str, Any]:
    """A story as ``briefing.json`` records it: every kept article of it (its URL, else its path, and
    its date), its outlets and dates, whether it continues a story of the previous briefing, and the
    ids of the items quoted for it; its headline with the source it is quoted from (and where, for a sentence)."""
    return {
        "id": story.id,
        "headline": story.headline,
        "headline_source": story.headline_source,
        **({"headline_offsets": list(story.headline_offsets)} if story.headline_offsets else {}),
        "top": story.top,
        "articles": [
            {**({"url": a.url} if a.url else {"path": a.path}), "date": a.date.isoformat() if a.date else None}
            for a in story.articles
        ],
        "outlets": list(story.outlets),
        "first_date": story.first_date.isoformat() if story.first_date else None,
        "last_date": story.last_date.isoformat() if story.last_date else None,
        "developing": story.developing,
        "items": list(story.items),
    }


def render_json(briefing: Briefing) -> str:
    """``briefing.json``: UTF-8, with C1 controls, line separators and bidirectional controls
    written as ``\\u`` escapes (the same values), so no viewer of the file is driven by them."""
    return printable(json.dumps(briefing_data(briefing), ensure_ascii=False, indent=2), json_text=True) + "\n"


def render_all(briefing: Briefing, loaded: LoadedConfig, formats: Sequence[str]) -> dict[str, str | bytes]:
    """Render the formats asked for with the config's templates and branding; JSON always."""

    overrides = template_dirs(loaded.config, loaded.base_dir, loaded.project_dir)
    env = template_env([d for _, d in overrides])
    for key, problem in unknown_blocks(env, overrides):  # what validate reports, and a build would not notice
        logger.warning("%s: %s: %s", loaded.name, key, problem)
    look = look_for(loaded.config, loaded.base_dir)
    rendered: dict[str, str | bytes] = {"json": render_json(briefing)}
    if "md" in formats:
        rendered["md"] = render_markdown(briefing, env, look)
    if "html" in formats or "pdf" in formats:
        html = render_html(briefing, env, look)
        if "html" in formats:
            rendered["html"] = html
        if "pdf" in formats:
            allowed = [d for _, d in overrides]
            rendered["pdf"] = render_pdf(html, default_template_dir(), look, allowed)
    if "email" in formats:
        rendered["email.html"], rendered["txt"] = render_email(briefing, env, look)
    return rendered
