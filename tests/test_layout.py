"""The stories layout: top stories with their headline, breadth and dates, items credited inline,
and counts and notes that say what they count."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from briefgen.models import Briefing, BriefingStory, Item, Section, Source, SourceRef, StoryArticle
from briefgen.render.compose import all_undated_note, new_since
from briefgen.render.filters import counts_line, credit, elsewhere, outlet, shortdate, story_line
from briefgen.render.formats import render_html, render_json, render_markdown
from briefgen.render.templates import template_env

AS_OF = dt.date(2025, 2, 14)


def story(**changes: Any) -> BriefingStory:
    base = BriefingStory(
        id="s0123456789",
        headline="Allies agree to share radar data",
        headline_source=1,
        headline_offsets=None,
        articles=(
            StoryArticle("a.html", "https://ledger.example/a", dt.date(2025, 2, 10), "Pacific Ledger"),
            StoryArticle("b.md", None, dt.date(2025, 2, 12), "Meridian Wire"),
        ),
        outlets=("Pacific Ledger", "Meridian Wire", "Korea Pro"),
        first_date=dt.date(2025, 2, 10),
        last_date=dt.date(2025, 2, 12),
        developing=False,
        items=("q1",),
        top=True,
    )
    return dataclasses.replace(base, **changes)


def briefing(**changes: Any) -> Briefing:
    item = Item("The ministers agreed to share radar data.", (1,), ((0, 41),), id="q1", story="s0123456789")
    base = Briefing(
        title="Radar",
        as_of=AS_OF,
        window_start=dt.date(2025, 2, 8),
        window_days=7,
        audience="executive",
        sections=(Section("key_points", "Top stories", (item,)),),
        sources=(
            Source(
                1,
                "Allies agree to share radar data",
                "Pacific Ledger",
                None,
                dt.date(2025, 2, 10),
                "https://ledger.example/a",
                "a.html",
                also=(SourceRef("Tokyo cements its role as top partner", None, None, None, "c.html"),),
            ),
        ),
        articles_read=5,
        articles_used=2,
        daily=((dt.date(2025, 2, 10), 1), (dt.date(2025, 2, 12), 1)),
        layout="stories",
        stories=(story(), story(id="s9876543210", headline="Shipyards hire", top=False, items=())),
    )
    return dataclasses.replace(base, **changes)


def test_an_item_names_its_outlet_and_date_and_the_year_only_when_it_differs():
    b = briefing()
    assert credit(b.sections[0].items[0], b) == "Pacific Ledger, 10 Feb"
    old = dataclasses.replace(b.sources[0], date=dt.date(1999, 6, 12))
    assert credit(b.sections[0].items[0], dataclasses.replace(b, sources=(old,))) == "Pacific Ledger, 12 Jun 1999"
    undated = dataclasses.replace(b.sources[0], date=None, publisher=None)
    assert credit(b.sections[0].items[0], dataclasses.replace(b, sources=(undated,))) == "ledger.example, undated"
    assert shortdate(None) == ""


def test_a_story_says_how_widely_and_when_it_was_reported():
    assert story_line(story(), AS_OF) == "2 articles, 3 outlets, 10\u201312 Feb"
    one = story(articles=story().articles[:1], outlets=("Pacific Ledger",), last_date=dt.date(2025, 2, 10))
    assert story_line(one, AS_OF) == "1 article, 1 outlet, 10 Feb"
    assert story_line(story(first_date=dt.date(2025, 1, 30), developing=True), AS_OF) == (
        "2 articles, 3 outlets, 30 Jan \u2013 12 Feb, developing"
    )


def test_the_header_counts_say_what_they_count():
    assert counts_line(briefing()) == "5 articles read, 2 used in 2 stories, 1 quoted"
    assert counts_line(briefing(layout="sections", stories=())) == "5 articles read, 2 used, 1 quoted"


def test_also_reported_by_names_outlets_never_a_subtitle():
    ref = SourceRef("Tokyo cements its role as top partner", None, None, "https://www.tokyo.example/x", "c.html")
    assert outlet(ref) == "tokyo.example"
    assert outlet(dataclasses.replace(ref, url=None)) == ""
    md = render_markdown(briefing(), template_env())
    assert "Tokyo cements" not in md.split("## Sources", 1)[1].split("Also reported by", 1)[1]
    assert "Also reported by: an outlet not named" in md


def test_also_reported_by_leaves_out_copies_from_the_sources_own_outlet():
    """A wire's second version of its own story is no other outlet: listed, it would read as one."""
    own = SourceRef("Allies agree to share radar data (updated)", "pacific ledger", None, None, "d.html")
    other = SourceRef("Allies to share radar", None, None, "https://www.tokyo.example/x", "c.html")
    b = briefing()
    wire = dataclasses.replace(b, sources=(dataclasses.replace(b.sources[0], also=(own, other)),))
    assert elsewhere(wire.sources[0]) == (other,)
    md = render_markdown(wire, template_env())
    assert "Also reported by: tokyo.example (<https://www.tokyo.example/x>)" in md
    html = render_html(wire, template_env())
    assert html.count('class="also"') == 1 and "tokyo.example</a>." in html
    alone = dataclasses.replace(b, sources=(dataclasses.replace(b.sources[0], also=(own,)),))
    assert "Also reported by" not in render_markdown(alone, template_env())
    assert 'class="also"' not in render_html(alone, template_env())
    assert json.loads(render_json(alone))["sources"][0]["also_reported_by"][0]["path"] == "d.html"
    site = dataclasses.replace(b.sources[0], publisher=None, url="https://WWW.Ledger.example:443/a")
    again = dataclasses.replace(own, publisher=None, url="https://ledger.example/a?v=2")
    assert outlet(site) == outlet(again) == "ledger.example"
    assert elsewhere(dataclasses.replace(site, also=(again, other))) == (other,)
    unnamed = dataclasses.replace(b.sources[0], publisher=None, url=None, also=(own,))
    assert elsewhere(unnamed) == (own,), "a source of no known outlet keeps every copy"


def test_every_format_leads_with_the_top_stories():
    b = briefing()
    md = render_markdown(b, template_env())
    assert "## Top stories" in md
    assert "### Allies agree to share radar data[^1]" in md
    assert "*2 articles, 3 outlets, 10\u201312 Feb*" in md
    assert "- The ministers agreed to share radar data. *(Pacific Ledger, 10 Feb)*[^1]" in md
    assert "Shipyards hire" not in md, "only the top stories are told"
    html = render_html(b, template_env())
    assert '<h3 class="story-headline">Allies agree to share radar data' in html
    assert '<span class="credit">(Pacific Ledger, 10 Feb)</span>' in html
    assert 'class="story-meta">2 articles, 3 outlets, 10\u201312 Feb</p>' in html
    text = template_env().get_template("briefing.txt.j2")
    assert text is not None


def test_briefing_json_records_every_story_with_its_articles():
    data = json.loads(render_json(briefing()))
    assert data["layout"] == "stories"
    first, second = data["stories"]
    assert first["headline"] == "Allies agree to share radar data" and first["top"] and not second["top"]
    assert first["articles"] == [
        {"url": "https://ledger.example/a", "date": "2025-02-10"},
        {"path": "b.md", "date": "2025-02-12"},
    ]
    assert first["items"] == ["q1"] and first["developing"] is False
    assert (first["first_date"], first["last_date"]) == ("2025-02-10", "2025-02-12")
    assert data["sections"][0]["items"][0]["story"] == "s0123456789"


def test_new_since_is_said_only_when_something_is_new():
    b = briefing()
    assert "1 of the 2 articles used is dated after it" in new_since(b, dt.date(2025, 2, 11)).notes[-1]
    nothing = new_since(b, dt.date(2025, 2, 13)).notes[-1]
    assert nothing.startswith("Nothing new was found since the briefing of 13 February 2025")
    assert new_since(b, None) == b


def test_the_notes_are_in_the_briefing_s_language():
    b = briefing()
    assert new_since(b, dt.date(2025, 2, 11)).notes[-1] == (
        "New since the briefing of 11 February 2025: 1 of the 2 articles used is dated after it; what it quoted "
        "is not repeated, and top stories continuing from it are marked developing."
    )
    assert new_since(b, dt.date(2025, 2, 11), "de").notes[-1] == (
        "Neu seit dem Briefing vom 11. Februar 2025: 1 von 2 verwendeten Artikeln ist später datiert; was es "
        "zitierte, wird nicht wiederholt, und Top-Themen, die daran anschließen, sind mit „wird fortgesetzt“ markiert."
    )
    assert new_since(b, dt.date(2025, 2, 9), "fr").notes[-1] == (
        "Nouveau depuis la note du 9 février 2025 : 2 des 2 articles utilisés sont postérieurs à celle-ci ; ce "
        "qu'elle citait n'est pas répété, et les sujets à la une qui la prolongent sont marqués « en cours »."
    )
    assert new_since(b, dt.date(2025, 2, 13), "de").notes[-1] == (
        "Seit dem Briefing vom 13. Februar 2025 wurde nichts Neues gefunden: Kein verwendeter Artikel ist später "
        "datiert, und was es zitierte, wird nicht wiederholt."
    )
    assert new_since(b, dt.date(2025, 2, 13), "fr").notes[-1].startswith("Rien de nouveau depuis la note du 13 février")


def test_a_briefing_without_dates_says_so_in_its_language():
    start, end = dt.date(2025, 2, 8), AS_OF
    assert all_undated_note(2, start, end) == (
        "None of the 2 articles used states its date, so this briefing cannot show that they are from the 7 days "
        "to 14 February 2025."
    )
    assert all_undated_note(1, end, end) == (
        "The one article used states no date, so this briefing cannot show that it is from 14 February 2025."
    )
    assert all_undated_note(3, start, end, "de") == (
        "Keiner der 3 verwendeten Artikel nennt sein Datum, daher kann dieses Briefing nicht zeigen, dass sie aus "
        "den 7 Tagen bis zum 14. Februar 2025 stammen."
    )
    assert all_undated_note(1, end, end, "de") == (
        "Der eine verwendete Artikel nennt kein Datum, daher kann dieses Briefing nicht zeigen, dass er vom "
        "14. Februar 2025 stammt."
    )
    assert all_undated_note(3, start, end, "fr") == (
        "Aucun des 3 articles utilisés n'indique sa date : cette note ne peut donc pas montrer qu'ils datent des "
        "7 jours jusqu'au 14 février 2025."
    )
    assert all_undated_note(1, end, end, "fr").endswith("qu'il date du 14 février 2025.")
