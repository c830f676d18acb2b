"""Cleaning rules on block sequences shaped like real pages."""

from __future__ import annotations

import pytest

from briefgen.ingest.clean import block_reasons, clean, clean_blocks, containment, group_duplicates, shingles
from briefgen.models import HEADING, LIST_ITEM, PARAGRAPH, Article, Block

P1 = "The defense ministers agreed on Tuesday to connect their missile-warning radars in real time, officials said."
P2 = "The secretariat will open in Seoul in April with a staff of about 40 officers and civilians from three countries."


def texts(blocks):
    return [b.text for b in blocks]


def test_paywall_pitch_and_copyright_after_the_body_are_removed():
    blocks = (
        [Block(PARAGRAPH, P1), Block(PARAGRAPH, P2)]
        + [
            Block(PARAGRAPH, t)
            for t in (
                "Get your",
                "NewsCo",
                "subscription today!",
                "Unlock full access by becoming a member today!",
                "Standard plan includes:",
            )
        ]
        + [
            Block(LIST_ITEM, "Full archive access and every newsletter"),
            Block(PARAGRAPH, "Premium."),
            Block(PARAGRAPH, "\u00a9 NewsCo Group. All rights reserved."),
            Block(PARAGRAPH, "No part of this content may be reproduced without prior written permission from"),
        ]
    )
    kept, removed, _ = clean_blocks(blocks)
    assert texts(kept) == [P1, P2]
    assert "subscription" in removed and "copyright" in removed


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Please SUBSCRİBE today.", "subscription"),  # upper-cased in a Turkish locale
        ("Sıgn up for free.", "subscription"),
        ("Become a PREMİUM member.", "subscription"),
        ("Datenſchutzerklärung", "copyright"),
        ("© 2024 Nordex SE. Alle Rechte vorbehalten.", "copyright"),
        ("İprivacy policy", None),
        ("The ministers signed up to a new plan for the radar network on Tuesday in Honolulu.", None),
    ],
)
def test_pitches_and_notices_are_found_whatever_their_case(text, reason):
    """The pitch and copyright patterns match lower-cased text as re.IGNORECASE would the text."""
    assert block_reasons([Block(PARAGRAPH, text)])[0] == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "If a budget line or story is marked with photos or graphics, those are available from the "
            "Example News Service at 555-0100. Or call the desk for more information.",
            "wire note",
        ),
        ("Editors: graphics to accompany this story are available from the photo desk by email.", "wire note"),
        ("For Use By Clients of the Example News Service", "wire note"),
        ('By Jane Roe. (Story will move in the "a" category.)', "wire note"),
        ("PLEASE NOTE: SPORTS STORIES will have an E.T.A. of 9:30 P.M.", "wire note"),
        ("The story will not move markets much, analysts said, since the cut was expected.", None),
        ("The story will move to the Senate floor next week, aides said.", None),
        ("Columns will move to Sundays and features will move to the new magazine.", None),
        ("The column is moving today toward Baghdad, a Pentagon spokesman said.", None),
        ("A column of tanks will move into the city on Friday, officers said.", None),
        ("Shares of the feature-film studio will move after 4 p.m. results, traders said.", None),
        ("These columns for release Friday are moving today to clients of the Example News Service.", "wire note"),
        ("Layouts are for sale over the web through the Example News Service's page service.", "wire note"),
        ("The agency's clients of the wire service were told nothing, the lawsuit says.", None),
        ("Satellite images available from NASA tell the story of the ice shelf's collapse.", None),
        ("Photographs available through the national archive show the editor at his desk in 1945.", None),
        ("Prosecutors said the firm moved $40 million for clients of the bank by wire transfer.", None),
        ("Layouts available from the architect show the 30-story tower beside the river.", None),
        ("All photos are available in sizes up to 8,000 pixels and a colour depth of 48 bits.", None),
        ("Satellite images available from the agency showed the ice shelf breaking up over three weeks.", None),
    ],
)
def test_a_wire_services_note_about_pictures_is_furniture(text, reason):
    assert block_reasons([Block(PARAGRAPH, text)])[0] == reason


def test_mid_article_newsletter_pitch_is_removed_but_prose_around_it_kept():
    blocks = [Block(PARAGRAPH, P1), Block(PARAGRAPH, "Sign up for our morning newsletter."), Block(PARAGRAPH, P2)]
    kept, removed, _ = clean_blocks(blocks)
    assert texts(kept) == [P1, P2]
    assert removed == ["subscription"]


def test_repeated_paragraphs_are_dropped():
    kept, removed, _ = clean_blocks(
        [Block(PARAGRAPH, P1), Block(PARAGRAPH, P2), Block(PARAGRAPH, P1), Block(PARAGRAPH, P2)]
    )
    assert texts(kept) == [P1, P2]
    assert removed == ["repeated paragraph", "repeated paragraph"]


def test_unintroduced_headline_list_is_related_links_but_introduced_list_stays():
    related = [
        Block(LIST_ITEM, "Think Tank Urges Swift Action on Arms Deal"),
        Block(LIST_ITEM, "Shipbuilders Eye Canadian Defense Market Expansion"),
        Block(LIST_ITEM, "Cyber Vulnerabilities Exposed: What Is at Stake?"),
    ]
    introduced = [
        Block(PARAGRAPH, "Defense stocks could rise, including companies like:"),
        Block(LIST_ITEM, "Mitsubishi Heavy Industries"),
        Block(LIST_ITEM, "Lockheed Martin Corporation Holdings Group"),
    ]
    blocks = [
        Block(PARAGRAPH, P1),
        *related,
        Block(HEADING, "Next Section"),
        Block(PARAGRAPH, P2),
        *introduced,
        Block(PARAGRAPH, P1 + " Again."),
    ]
    kept, removed, _ = clean_blocks(blocks)
    assert not set(texts(related)) & set(texts(kept))
    assert set(texts(introduced)) <= set(texts(kept))
    assert removed.count("related links") == 3


def test_related_heading_drops_its_list():
    blocks = [
        Block(PARAGRAPH, P1),
        Block(HEADING, "Related stories"),
        Block(LIST_ITEM, "Yen slides"),
        Block(LIST_ITEM, "Stocks up"),
        Block(PARAGRAPH, P2),
    ]
    kept, _, _ = clean_blocks(blocks)
    assert texts(kept) == [P1, P2]


def test_author_bio_is_removed_and_names_the_author():
    bio = "Jane Roe is a senior fellow for Northeast Asia at the Example Institute."
    article = Article(
        path="x.txt", form="text", blocks=(Block(PARAGRAPH, P1), Block(PARAGRAPH, P2), Block(PARAGRAPH, bio))
    )
    doc = clean(article, 0)
    assert bio not in doc.text
    assert doc.article.author == "Jane Roe"
    assert doc.removed == ("author bio",)


def test_bio_does_not_override_stated_author():
    bio = "Jane Roe is a senior fellow for Northeast Asia at the Example Institute."
    article = Article(
        path="x.txt", form="text", blocks=(Block(PARAGRAPH, P1), Block(PARAGRAPH, bio)), author="Stated Author"
    )
    assert clean(article, 0).article.author == "Stated Author"


def test_document_spans_point_into_cleaned_text():
    article = Article(
        path="x.txt", form="text", blocks=(Block(HEADING, "Why it matters"), Block(PARAGRAPH, P1), Block(PARAGRAPH, P2))
    )
    doc = clean(article, 0)
    assert doc.text == f"Why it matters\n\n{P1}\n\n{P2}"
    assert [doc.block_text(s) for s in doc.spans] == ["Why it matters", P1, P2]
    assert doc.words_before == doc.words_after


def test_near_duplicates_merge_into_the_richest_document():
    full = Article(
        path="full.json",
        form="wordpress",
        blocks=(Block(PARAGRAPH, P1), Block(PARAGRAPH, P2)),
        title="T",
        url="https://a.example/x",
    )
    excerpt = Article(path="excerpt.txt", form="text", blocks=(Block(PARAGRAPH, P1),))
    other = Article(
        path="other.txt",
        form="text",
        blocks=(Block(PARAGRAPH, "A completely different story about baseball spring camps in Miyazaki this week."),),
    )
    docs = group_duplicates([clean(excerpt, 0), clean(full, 1), clean(other, 2)])
    assert [d.article.path for d in docs] == ["full.json", "other.txt"]
    assert [a.path for a in docs[0].duplicates] == ["excerpt.txt"]


def test_containment_sees_an_excerpt_inside_its_article():
    a, b = shingles(P1 + " " + P2), shingles(P1)
    assert containment(a, b) == 1.0
    assert containment(shingles(P2), b) == 0.0


def test_duplicate_grouping_finds_exactly_the_planted_copies_among_many():
    import random

    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(400)]

    def text() -> str:
        return " ".join(" ".join(rng.choice(vocab) for _ in range(15)) + "." for _ in range(12))

    bodies = [text() for _ in range(60)]
    articles = [Article(path=f"a{i}.txt", form="text", blocks=(Block(PARAGRAPH, b),)) for i, b in enumerate(bodies)]
    # Three syndicated copies: one verbatim, one truncated to half, one with a sentence added.
    copies = [bodies[5], bodies[17][: len(bodies[17]) // 2], bodies[42] + " An editor's note was added at the end."]
    articles += [Article(path=f"copy{i}.txt", form="text", blocks=(Block(PARAGRAPH, c),)) for i, c in enumerate(copies)]
    docs = group_duplicates([clean(a, i) for i, a in enumerate(articles)])
    assert len(docs) == 60
    merged = {d.article.path: sorted(a.path for a in d.duplicates) for d in docs if d.duplicates}
    assert {frozenset([k, *v]) for k, v in merged.items()} == {
        frozenset(["a5.txt", "copy0.txt"]),
        frozenset(["a17.txt", "copy1.txt"]),
        frozenset(["a42.txt", "copy2.txt"]),
    }
