"""A briefing in German, built end to end from articles written for this test."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest

from briefgen.config.load import load_config
from briefgen.pipeline import build

AS_OF = dt.date(2025, 2, 14)

ARTICLES = {
    "wind-nord.md": (
        "2025-02-12",
        "Windkraft im Norden wächst",
        [
            "Die Windkraftanlagen an der Nordseeküste haben im Januar so viel Strom erzeugt wie nie zuvor. "
            "Der Netzbetreiber Tennet meldete am Montag einen neuen Rekord für die Einspeisung aus Windenergie.",
            "Nach Angaben von Tennet lag die Leistung zeitweise bei mehr als 30 Gigawatt. Das entspricht dem "
            "Bedarf von Millionen Haushalten, sagte ein Sprecher des Unternehmens in Bayreuth.",
            "The grid operator said the record was driven by strong winter storms over the North Sea. "
            "Analysts in London expect further records during the coming weeks of the winter season.",
            "Die Bundesnetzagentur rechnet damit, dass der Ausbau der Windkraft an Land bis Ende des Jahres "
            "deutlich zulegt. Bis 2030 sollen die erneuerbaren Energien achtzig Prozent des Stroms liefern.",
        ],
    ),
    "wind-sued.md": (
        "2025-02-13",
        "Neue Windparks in Bayern",
        [
            "In Bayern sollen bis zum Sommer vier neue Windparks ans Netz gehen. Der Netzbetreiber Tennet "
            "bereitet dafür den Anschluss von mehr als sechzig Windkraftanlagen vor.",
            "Die Landesregierung will die Genehmigungen für Windkraftanlagen beschleunigen. Bisher dauert ein "
            "Verfahren im Durchschnitt mehr als zwei Jahre, heißt es in einer Mitteilung des Ministeriums.",
            "Auch die Solarmodule auf den Dächern der Region liefern immer mehr Strom. Am 3. Oktober wurde "
            "ein neuer Höchstwert für die Einspeisung aus Photovoltaik gemessen.",
        ],
    ),
    "solar.md": (
        "2025-02-11",
        "Schnee auf Solarmodulen",
        [
            "Schnee belastet die Solarmodule auf vielen Dächern in Süddeutschland. Der Netzbetreiber Tennet "
            "meldete für die vergangene Woche deutlich weniger Strom aus Photovoltaik als im Vorjahr.",
            "Betreiber sollten den Schnee nicht selbst von den Modulen entfernen, warnen die Fachleute. "
            "Dabei können die Zellen und die Rahmen der Anlagen leicht beschädigt werden.",
        ],
    ),
    "english.md": (
        "2025-02-12",
        "Wind power record in the North",
        [
            "Wind turbines on the North Sea coast produced more electricity in January than ever before. "
            "The grid operator Tennet reported a new record for wind power on Monday.",
            "According to Tennet, output at times exceeded 30 gigawatts, enough for millions of homes.",
        ],
    ),
}


@pytest.fixture
def german_config(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, (date, title, paragraphs) in ARTICLES.items():
        body = "\n\n".join(paragraphs)
        (folder / name).write_text(f"---\ntitle: {title}\ndate: {date}\n---\n\n{body}\n", encoding="utf-8")
    config = tmp_path / "energie.yaml"
    config.write_text(
        textwrap.dedent(
            """\
            title: Energie-Briefing
            language: de
            sources: [articles/]
            layout: sections
            audience: analyst
            novelty: none
            topic:
              keywords: [Windkraft, Solar, Strom]
            """
        ),
        encoding="utf-8",
    )
    return config


def test_a_german_briefing_is_german_throughout(german_config, tmp_path, caplog):
    result = build(load_config(german_config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md", "html"])
    statuses = {d.path.rsplit("/", 1)[-1]: (d.status, d.detail, d.language) for d in result.decisions}
    assert statuses["english.md"][0] == "other language"
    assert statuses["english.md"][1].startswith("English; this briefing is in German")
    assert {statuses[n][2] for n in ("wind-nord.md", "wind-sued.md", "solar.md")} == {"de"}
    assert statuses["solar.md"][0] == "kept"  # "Solar" finds "Solarmodule"
    md = result.outputs["md"].read_text(encoding="utf-8")
    html = result.outputs["html"].read_text(encoding="utf-8")
    assert "**Stand: 14. Februar 2025**" in md and "## Das Wichtigste" in md and "## Quellen" in md
    assert "4 Artikel gelesen, 3 verwendet" in md
    assert '<html lang="de">' in html and "hyphens: auto" in html
    quoted = [item.text for section in result.briefing.sections for item in section.items]
    assert quoted and not any("North Sea" in text or "Analysts" in text for text in quoted)
    assert not any(text.endswith("Am 3.") for text in quoted)
    players = result.briefing.section("key_players")
    labels = [item.label for item in players.items] if players else []
    assert all(label and "Artikel)" in label for label in labels)
    assert not any((label or "").startswith(("Windkraftanlagen", "Solarmodule", "Strom")) for label in labels)
    report = json.loads(result.outputs["ingest.json"].read_text(encoding="utf-8"))
    assert report["counts"]["other language"] == 1
    assert {a["language"] for a in report["articles"]} == {"de", "en"}


def test_an_english_briefing_leaves_german_articles_out_and_says_so(german_config, tmp_path):
    config = german_config.read_text(encoding="utf-8").replace("language: de", "language: en")
    german_config.write_text(config.replace("[Windkraft, Solar, Strom]", "[wind, Tennet]"), encoding="utf-8")
    result = build(load_config(german_config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])
    statuses = {d.path.rsplit("/", 1)[-1]: (d.status, d.detail) for d in result.decisions}
    assert statuses["wind-nord.md"][0] == "other language"
    assert statuses["wind-nord.md"][1].startswith("German; this briefing is in English; language de (detected")
    assert statuses["english.md"][0] == "kept"
    md = result.outputs["md"].read_text(encoding="utf-8")
    assert "## Bottom line" in md and "Windkraft" not in md


def test_a_client_reading_two_languages_gets_both_marked(german_config, tmp_path):
    config = german_config.read_text(encoding="utf-8").replace("language: de", "language: de\nlanguages: [de, en]")
    # Keywords match in the briefing's language; a client reading English too names English ones as well.
    german_config.write_text(config.replace("[Windkraft, Solar, Strom]", "[Windkraft, Solar, Strom, wind power]"))
    result = build(load_config(german_config), as_of=AS_OF, out_dir=tmp_path / "out", formats=["md"])
    assert {d.status for d in result.decisions} <= {"kept", "duplicate"}
    md = result.outputs["md"].read_text(encoding="utf-8")
    english = [
        i for s in result.briefing.sections for i in s.items if "Tennet reported" in i.text or "gigawatts" in i.text
    ]
    for item in english:
        assert f"{item.text}" in md
    if english:
        assert "auf Englisch" in md
