"""Articles in other languages: detection, sentences, stop words and stems, compounds, names, captions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing

import pytest

from briefgen.analyse import lang
from briefgen.analyse.lang.names import common_noun, names
from briefgen.analyse.lang.read import analyse as analyse_other
from briefgen.analyse.lang.split import split
from briefgen.analyse.language import article_language, declared_code, foreign, language_name
from briefgen.analyse.topic import TopicMatcher, stop_words, term_pattern
from briefgen.config.defaults import BRIEFING_LANGUAGES, Config, Topic
from briefgen.ingest.clean import block_reasons, caption_cut, clean
from briefgen.models import PARAGRAPH, Article, Block, Corpus, Sentence
from briefgen.select.languages import OTHER_LANGUAGE, drop_foreign, sort_languages

GERMAN = (
    "Die Bundesregierung will den Ausbau der Windkraft an Land beschleunigen. Bis zum Jahr 2030 sollen "
    "die erneuerbaren Energien mindestens achtzig Prozent des Stroms liefern, sagte der Minister am Montag."
)
ENGLISH = (
    "The government wants to speed up the expansion of onshore wind power. By 2030 renewable energy is to "
    "supply at least eighty percent of the country's electricity, the minister said on Monday."
)
FRENCH = (
    "Le gouvernement veut accélérer le développement de l'éolien terrestre. D'ici à 2030, les énergies "
    "renouvelables devront fournir au moins quatre-vingts pour cent de l'électricité, a déclaré le ministre."
)


def doc(text: str, path: str = "a.html", index: int = 0, title: str | None = None) -> typing.Any:
    blocks = tuple(Block(PARAGRAPH, p) for p in text.split("\n\n"))
    return clean(Article(path, "html", blocks, title=title), index)


# ----------------------------------------------------------------------------- detection


def test_an_article_s_language_is_detected() -> None:
    assert article_language([GERMAN]).language == "de"
    assert article_language([ENGLISH]).language == "en"
    assert article_language([FRENCH]).language == "fr"


def test_a_short_text_is_unknown_unless_the_page_declares_its_language() -> None:
    assert article_language(["Windkraft in Bayern"]).language is None
    assert article_language(["Windkraft in Bayern"]).how == "short"
    declared = article_language(["Windkraft in Bayern"], "de-DE")
    assert (declared.language, declared.how) == ("de", "declared")


def test_a_text_in_two_languages_is_unknown_rather_than_a_guess() -> None:
    guess = article_language([GERMAN, ENGLISH, GERMAN + " " + GERMAN, ENGLISH + " " + ENGLISH])
    assert guess.language is None and guess.how.startswith("mixed")


def test_a_sure_detection_wins_over_a_template_s_declaration_and_says_so() -> None:
    guess = article_language([GERMAN], "en-US")
    assert guess.language == "de"
    assert "declares en" in guess.note
    agreed = article_language([GERMAN], "de")
    assert agreed.how == "declared and detected"


def test_declared_codes_are_read_as_iso_639_1() -> None:
    assert [declared_code(v) for v in ("de-DE", "en_US", "pt-br", "FR", "", None, "german")] == [
        "de",
        "en",
        "pt",
        "fr",
        None,
        None,
        None,
    ]


def test_a_sentence_in_another_language_is_foreign_and_a_short_one_never() -> None:
    assert foreign(GERMAN.split(". ")[0] + ".", ["en"])
    assert not foreign(ENGLISH.split(". ")[0] + ".", ["en"])
    assert not foreign(GERMAN.split(". ")[0] + ".", ["en", "de"])
    assert not foreign("Ja, genau.", ["en"])


def test_language_names_come_from_the_cldr() -> None:
    assert language_name("de") == "German"
    assert language_name("de", "de") == "Deutsch"
    assert language_name("en", "fr") == "anglais"


# ----------------------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "de",
            "Der Anteil des globalen Energiemarktes (exkl. China) stieg um 5 Prozent bzw. 3 Mio. Euro. Das ist viel.",
            2,
        ),
        ("de", "Am 3. Oktober kam er nach Berlin. Im 19. Jahrhundert war es anders.", 2),
        ("de", "Die Anlage hat ca. 5 MW Leistung. Prof. Dr. Hans Meier, Geschäftsf. der GmbH, sagt es.", 2),
        ("fr", "M. Dupont est venu le 3 oct. à Paris. Il est reparti.", 2),
        ("es", "El Sr. García llegó a las diez. Luego se fue.", 2),
        ("it", "Il dott. Bianchi è arrivato. Poi è partito.", 2),
        ("nl", "Dhr. Jansen kwam o.a. naar huis. Het was mooi.", 2),
        ("pt", "O Sr. Silva chegou cedo. A Dra. Souza não.", 2),
    ],
)
def test_abbreviations_and_ordinals_end_no_sentence(language: str, text: str, expected: int) -> None:
    assert len(split(text, language)) == expected


def test_a_closing_quotation_mark_stays_with_its_sentence() -> None:
    assert split("Er sagte: „Das ist gut.“ Dann ging er.", "de") == ["Er sagte: „Das ist gut.“", "Dann ging er."]
    assert split("Er sagte: »Wir bauen.« Dann ging er.", "de") == ["Er sagte: »Wir bauen.«", "Dann ging er."]
    assert split("Il a dit : « C'est fini. » Puis il est parti.", "fr")[0].endswith("»")


def test_each_language_has_its_stop_words_stems_and_months() -> None:
    for language in lang.SUPPORTED:
        assert len(stop_words(language)) > 100, language
        assert lang.months(language), language
    assert "und" in stop_words("de") and "und" not in stop_words()
    assert lang.stem("windkraftanlagen", "de") == lang.stem("windkraftanlage", "de")
    assert lang.stem("énergies", "fr") == lang.stem("énergie", "fr")
    assert "oktober" in lang.months("de") and "okt" in lang.months("de")


def test_the_config_accepts_exactly_the_languages_briefgen_has_data_for() -> None:
    assert BRIEFING_LANGUAGES == lang.SUPPORTED
    assert Config(sources=["x"]).language == "en"
    assert Config(sources=["x"], language="de", languages=["de", "en"]).languages == ["de", "en"]
    with pytest.raises(ValueError, match="language"):
        Config(sources=["x"], language="pl")  # type: ignore[arg-type]  # what a config might say
    with pytest.raises(ValueError, match="pattern"):
        Config(sources=["x"], languages=["German"])


# ----------------------------------------------------------------------------- topic matching


def test_a_keyword_matches_as_the_first_part_of_a_compound_in_german_and_dutch() -> None:
    assert term_pattern("Solar", "de").search("Die Solarmodule sind verschneit.")
    assert term_pattern("Windkraft", "de").search("Neue Windkraftanlagen in Bayern")
    assert term_pattern("zon", "nl").search("De zonnepanelen liggen op het dak.")
    assert not term_pattern("Solar", "en").search("The Solarmodule brand")
    assert term_pattern("Korea", "en").search("two Koreas")


def test_an_article_on_solar_modules_is_on_a_german_solar_topic() -> None:
    text = (
        "Schnee belastet die Solarmodule auf vielen Dächern. Betreiber sollten die Module prüfen, "
        "denn die Last kann die Rahmen verbiegen und die Zellen beschädigen."
    )
    topic = Topic(keywords=["Solar"], min_relevance=0.1)
    assert TopicMatcher(topic, "de").relevance(doc(text)) >= 0.1
    assert TopicMatcher(topic).relevance(doc(text)) == 0.0


def test_a_german_brief_is_read_with_german_stop_words_and_stems() -> None:
    matcher = TopicMatcher(Topic(brief="Wie schnell wachsen die Windparks?"), "de")
    assert lang.stem("windparks", "de") in matcher.brief
    assert "die" not in matcher.brief and "wie" not in matcher.brief


# ----------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "word", ["Anlagen", "Windenergieanlagen", "Megawatt", "Forschenden", "Solarmodule", "Prototyp-Anlagen"]
)
def test_german_common_nouns_are_known_as_nouns(word: str) -> None:
    assert common_noun(word)


@pytest.mark.parametrize("word", ["Nordex", "Siemens", "Olaf", "RWE", "EnBW"])
def test_names_are_not_common_nouns(word: str) -> None:
    assert not common_noun(word)


def found_names(sentence: str, language: str = "de") -> list[str]:
    words = sentence.replace(".", " .").replace(",", " ,").split()
    return [" ".join(words[a : b + 1]) for a, b in names(words, language)]


def test_a_german_sentence_s_nouns_are_not_names_but_its_names_are() -> None:
    assert found_names("Einen Schritt weiter gehen die Forschenden mit neuen Anlagen von 5 Megawatt Leistung.") == []
    assert found_names("Bei der Markteinführung von Windenergieanlagen hilft das Verfahren.") == []
    assert found_names("Das sagte Bundeskanzler Olaf Scholz am Montag in Berlin.") == ["Olaf Scholz"]
    assert found_names("Der Versorger RWE baut einen Windpark.") == ["RWE"]


def test_in_french_a_capitalised_word_mid_sentence_is_a_name() -> None:
    assert found_names("Le ministre Bruno Le Maire a rencontré les dirigeants de Renault à Paris.", "fr") == [
        "Bruno Le Maire",
        "Renault",
        "Paris",
    ]


def test_german_analysis_gives_offsets_stems_names_and_figures() -> None:
    text = (
        "Hamburg (dpa) - Der Windturbinenbauer Nordex Group hat im dritten Quartal 1,2 Gigawatt verkauft. "
        "Am 3. Oktober sagte Konzernchef José Luis Blanco, die Nordex Group wachse weiter.\n\n"
        "Die Anlagen der Nordex Group stehen in Europa."
    )
    d = doc(text)
    sentences = analyse_other([d], "de")
    assert sentences[0].text.startswith("Der Windturbinenbauer")  # the dateline is left out
    assert all(d.text[s.start : s.end] == s.text for s in sentences)
    assert ("Nordex Group", "NAME") in sentences[0].entities
    assert ("José Luis Blanco", "NAME") in sentences[1].entities
    assert "1,2" in sentences[0].numbers and "3." not in sentences[1].numbers
    assert lang.stem("anlagen", "de") in sentences[2].terms and "die" in sentences[2].terms
    assert "die" not in sentences[2].tokens


# ----------------------------------------------------------------------------- captions


def test_a_caption_glued_to_a_dateline_is_cut_off() -> None:
    text = (
        "Von links nach rechts: Mathias Muster, Projektleiter, Erika Beispiel, Leiterin\n"
        "© NordexHamburg (iwr-pressedienst) - Die vermehrte Stromerzeugung aus erneuerbaren Energien wirkt."
    )
    assert text[caption_cut(text) :].startswith("Hamburg (iwr-pressedienst) - Die vermehrte")
    cleaned = doc(text + "\n\nDie Netzbetreiber reagieren darauf mit neuen Regeln für alle Anlagen im Netz.")
    assert cleaned.text.startswith("Hamburg (iwr-pressedienst)")
    assert "picture caption" in cleaned.removed


@pytest.mark.parametrize(
    "text",
    [
        "Von links nach rechts: Anna Muster, Ben Beispiel und Carla Probe bei der Eröffnung.",
        "De gauche à droite : Jean Dupont et Marie Curie lors de la conférence.",
        "Da sinistra: Mario Rossi e Luigi Bianchi alla presentazione.",
        "Van links naar rechts: Jan Jansen en Piet de Vries.",
        "(dpa)",
        "Foto: dpa/Peter Müller",
        "Bildnachweis: Nordex SE",
    ],
)
def test_captions_and_credits_are_recognised_in_other_languages(text: str) -> None:
    assert block_reasons([Block(PARAGRAPH, text)])[0] in ("picture caption", "picture credit")


# ----------------------------------------------------------------------------- the intake and the quotes


def test_articles_in_another_language_are_left_out_with_the_reason() -> None:
    docs = [doc(GERMAN, "de.html", 0), doc(ENGLISH, "en.html", 1), doc("Kurz.", "short.html", 2)]
    found = sort_languages(docs, "en")
    assert [d.article.path for d in found.accepted] == ["en.html", "short.html"]
    assert [(d.article.path, why) for d, why in found.refused] == [("de.html", "German; this briefing is in English")]
    assert found.languages == {1: "en", 2: "en"}
    both = sort_languages(docs, "en", ["en", "de"])
    assert both.languages[0] == "de" and not both.refused
    assert OTHER_LANGUAGE == "other language"


def test_a_workspace_tells_each_articles_language_once_and_keeps_it_on_disk(tmp_path) -> None:
    """The briefings of a batch, and a build whose analyses are cached, read each article's language
    from the workspace: the same guesses, without detecting again, until what decides them changes."""
    import functools

    from briefgen.analyse.language import article_languages, detection_version
    from briefgen.analyse.workspace import Workspace

    docs = [doc(GERMAN, "de.html", 0), doc(ENGLISH, "en.html", 1), doc(FRENCH, "fr.html", 2)]
    told: list[int] = []

    def counted(articles: typing.Any) -> typing.Any:
        told.append(len(articles))
        return article_languages(articles)

    def detect(workspace: Workspace, version: str = detection_version()) -> typing.Any:
        return functools.partial(workspace.article_languages, detect=counted, version=version)

    first = sort_languages(docs, "en", ["en", "de"], detect(Workspace(tmp_path)))
    again = Workspace(tmp_path)  # a later run: from the disk
    second = sort_languages(docs, "en", ["en", "de"], detect(again))
    third = sort_languages(docs[:2], "de", (), detect(again))  # another config of the batch
    assert told == [3]
    assert first.guesses == second.guesses == sort_languages(docs, "en", ["en", "de"]).guesses
    assert [g.language for g in first.guesses.values()] == ["de", "en", "fr"]
    assert [d.article.path for d in third.accepted] == ["de.html"]
    sort_languages(docs, "en", (), detect(Workspace(tmp_path), "another detector"))
    assert told == [3, 3]


def test_a_detection_is_never_more_probable_than_certain() -> None:
    """py3langid adds Serbian's Latin and Cyrillic columns in float32, which may pass 1: a guess
    kept in the cache must read back as it was told."""
    import random

    words = [
        "za",
        "pregovori",
        "највећи",
        "у",
        "objavila",
        "budžetu",
        "glavni",
        "grad",
        "нове",
        "усвојила",
        "је",
        "мере",
        "недеље",
        "da",
        "ekonomiju",
    ]
    rng = random.Random(5)
    for _ in range(300):
        guess = article_language([" ".join(rng.choice(words) for _ in range(60))])
        assert 0.0 <= guess.confidence <= 1.0


def test_each_sentence_is_judged_once_for_a_set_of_languages(monkeypatch) -> None:
    from briefgen.analyse import language

    judged: list[list[str]] = []
    real = language._foreign_sentences

    def counted(texts: typing.Any, languages: typing.Any) -> typing.Any:
        judged.append(list(texts))
        return real(texts, languages)

    monkeypatch.setattr(language, "_foreign_sentences", counted)
    monkeypatch.setattr(language, "_judged", {})
    german, english = GERMAN.split(". ")[1], ENGLISH.split(". ")[1]
    assert language.foreign_sentences([german, english, german], ["en"]) == [True, False, True]
    assert language.foreign_sentences([english, german], ["en"]) == [False, True]
    assert language.foreign_sentences([german], ["de"]) == [False]
    assert judged == [[german, english], [german]]


def paragraph_sentences(texts: list[str]) -> tuple[Sentence, ...]:
    """``texts`` as the sentences, in order, of one document's paragraphs (no tokens)."""
    return tuple(
        Sentence(
            doc=0,
            position=i,
            start=0,
            end=len(t),
            text=t,
            block_kind=PARAGRAPH,
            heading=None,
            first_in_block=False,
            tokens=(),
        )
        for i, t in enumerate(texts)
    )


def test_a_sentence_in_another_language_is_never_quoted() -> None:
    texts = [ENGLISH.split(". ")[0] + ".", GERMAN.split(". ")[0] + ".", "But it was still there, he said on Monday."]
    sentences = paragraph_sentences(texts)
    corpus, dropped = drop_foreign(Corpus(documents=(), sentences=sentences), ["en"])
    # The German sentence goes, and the one after it that leans on it ("But it…").
    assert [s.text for s in corpus.sentences] == [texts[0]] and dropped == 2
    same, none = drop_foreign(Corpus(documents=(), sentences=sentences), ["en", "de"])
    assert none == 0 and same.sentences == sentences

    # Analysed for its words alone, the article is analysed in full before the sentence after is judged.
    asked: list[set[int]] = []

    def in_full(corpus: Corpus, docs) -> Corpus:
        asked.append(set(docs))
        return dataclasses.replace(corpus, light=corpus.light - set(docs))

    light = Corpus(documents=(), sentences=sentences, light=frozenset({0}))
    corpus, dropped = drop_foreign(light, ["en"], in_full)
    assert asked == [{0}] and not corpus.light and dropped == 2
    drop_foreign(light, ["en", "de"], in_full)
    assert asked == [{0}], "nothing to judge, nothing analysed in full"


# ----------------------------------------------------------------------------- the briefing's own words


def test_every_language_has_every_word_english_has() -> None:
    from briefgen.render.words import WORDS

    assert set(WORDS) == set(lang.SUPPORTED)
    for language, table in WORDS.items():
        assert set(table) == set(WORDS["en"]), language
        for key, text in table.items():
            assert text.count("|") == WORDS["en"][key].count("|"), (language, key)


def test_dates_and_counts_are_said_in_the_briefing_s_language() -> None:
    import datetime as dt

    from briefgen.render.words import words

    day, as_of = dt.date(2022, 12, 10), dt.date(2022, 12, 12)
    assert words("en").longdate(day) == "10 December 2022"  # as English briefings have always said it
    assert words("en").shortdate(day, as_of) == "10 Dec"
    assert words("de").longdate(day) == "10. Dezember 2022"
    assert words("de").shortdate(day, as_of) == "10. Dez."
    assert words("es").longdate(day) == "10 de diciembre de 2022"
    assert words("de")("read", 1) == "1 Artikel gelesen"
    assert words("fr")("read", 3) == "3 articles lus"
    assert words("de")("player", 2, name="RWE") == "RWE (2 Artikel)"
    assert words("de").heading("key_points") == "Kernpunkte"
    assert words(None)("sources") == "Sources"


def test_a_subject_s_dates_and_default_words_follow_the_briefing_s_language() -> None:
    import datetime as dt

    from briefgen.render.words import local_date, subject_template

    day = local_date(dt.date(2022, 12, 12), "de")
    assert f"{day:%d %B %Y}" == "12 Dezember 2022" and f"{day:%a %d %b}" == "Mo. 12 Dez."
    assert f"{day}" == "2022-12-12"
    assert f"{local_date(dt.date(2022, 12, 12), 'en'):%d %B %Y}" == "12 December 2022"
    assert subject_template("{title} \u2014 week of {as_of}", "de") == "{title} \u2014 Woche bis {as_of}"
    assert subject_template("{title}: {as_of:%d %B}", "de") == "{title}: {as_of:%d %B}"


def test_a_quotation_in_another_accepted_language_is_marked_with_it() -> None:
    from briefgen.render.words import quoted_in

    english = ENGLISH.split(". ")[0] + "."
    assert quoted_in(english, "de", ("de", "en")) == "auf Englisch"
    assert quoted_in(GERMAN.split(". ")[0] + ".", "de", ("de", "en")) is None
    assert quoted_in(english, "de", ()) is None


def test_a_german_sentence_that_leans_on_the_one_before_is_never_quoted() -> None:
    from briefgen.select.languages import drop_dangling

    texts = [
        "Die Bundesregierung will den Ausbau der Windkraft beschleunigen.",
        "Denn man sucht gerade nach neuen Flächen für die Anlagen.",
        "Er sagte, die Genehmigungen dauerten zu lange.",
        "Nun scheint es, dass man eine Hürde weniger hat.",
        "Der Netzbetreiber meldete einen neuen Rekord.",
    ]
    sentences = paragraph_sentences(texts)
    corpus, dropped = drop_dangling(Corpus(documents=(), sentences=sentences), ["de"])
    assert [s.text for s in corpus.sentences] == [texts[0], texts[4]] and dropped == 3
    assert drop_dangling(Corpus(documents=(), sentences=sentences), ["en"])[1] == 0  # English has its own rules


def test_a_date_before_a_dash_is_a_dateline_and_never_quoted() -> None:
    text = (
        "29.11.2022 – Mehrfach und vehement hatte die Branche die Nachteile des Gesetzes dargelegt.\n\nDas ist alles."
    )
    sentences = analyse_other([doc(text)], "de")
    assert sentences[0].text.startswith("Mehrfach und vehement")


def test_a_page_s_and_a_feed_s_declared_language_reach_the_article() -> None:
    from briefgen.ingest.readers import read_feed, read_html

    page = f'<html lang="de-DE"><head><title>Wind</title></head><body><article><p>{GERMAN}</p><p>{GERMAN}</p></article></body></html>'
    assert read_html("page.html", page)[0].language == "de-DE"
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><language>fr</language>'
        f"<item><title>Éolien</title><description>{FRENCH}</description></item></channel></rss>"
    )
    assert read_feed("feed.xml", rss)[0].language == "fr"


def test_a_short_article_takes_the_language_its_page_declares() -> None:
    short = clean(Article("k.html", "html", (Block(PARAGRAPH, "Windkraft in Bayern."),), language="de"), 0)
    found = sort_languages([short], "de")
    assert found.accepted == [short] and found.guesses["k.html"].how == "declared"
    assert sort_languages([short], "en").refused  # declared German, for an English briefing


def test_a_paragraph_in_another_language_of_a_top_story_is_never_quoted(tmp_path) -> None:
    """A German paragraph inside an English article of the top story is never quoted, cold or warm
    (the articles then come analysed in full from the cache), nor made a story's headline."""
    from briefgen.analyse.workspace import Workspace
    from briefgen.config.load import load_config
    from briefgen.pipeline import build

    news = tmp_path / "news"
    news.mkdir()
    for k, (outlet, day) in enumerate([("Valley Courier", 12), ("Riverton Post", 13), ("Plains Herald", 13)]):
        german = f"\n\n{GERMAN}\n\n" if k == 1 else "\n\n"
        (news / f"wind{k}.md").write_text(
            f"---\ntitle: Wind power expansion speeds up {k}\npublisher: {outlet}\ndate: 2025-02-{day}\n---\n\n"
            f"{ENGLISH}{german}The ministry said on Tuesday that permits for 40 new wind farms would be issued "
            f"this year, twice as many as last year, after a change in the planning law.\n",
            encoding="utf-8",
        )
    (news / "harbour.md").write_text(  # titled "Update", no headline: its story's is a sentence, not German
        f"---\ntitle: Update\npublisher: Port Daily\ndate: 2025-02-13\n---\n\n{GERMAN}\n\n"
        "Port officials in Valmora said on Thursday that the new container terminal would open in May after "
        "two years of construction and a long dispute over dredging.\n",
        encoding="utf-8",
    )
    config = tmp_path / "wind.yaml"
    config.write_text(
        f"title: Wind\nsources: [{news}]\nwindow: {{days: 7}}\naudience: {{base: analyst, stories: 1}}\n",
        encoding="utf-8",
    )
    for run in ("cold", "warm"):  # warm, the articles come analysed in full from the cache
        result = build(
            load_config(config),
            as_of=dt.date(2025, 2, 14),
            out_dir=tmp_path / run,
            formats=["md"],
            workspace=Workspace(tmp_path / "cache"),
        )
        quoted = [item.text for section in result.briefing.sections for item in section.items]
        assert quoted and not [text for text in quoted if "Bundesregierung" in text or "Minister am" in text]
        assert "Bundesregierung" not in result.outputs["md"].read_text(encoding="utf-8")
        headlines = [story.headline for story in result.briefing.stories]
        assert any(h.startswith("Port officials in Valmora") for h in headlines), headlines
