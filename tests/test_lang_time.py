"""Relative time in German, French, Spanish, Italian, Dutch and Portuguese: found, resolved against
the article's date, and kept out of a briefing where it cannot be trusted (briefgen.select.standalone
with the words of briefgen.analyse.lang.cues)."""

from __future__ import annotations

import datetime as dt

import pytest

from briefgen.analyse.lang import cues
from briefgen.analyse.lang.read import analyse as analyse_other
from briefgen.analyse.topic import TopicMatcher
from briefgen.config.defaults import AUDIENCES, Topic
from briefgen.ingest.clean import clean
from briefgen.models import PARAGRAPH, Article, Block, Corpus, Document, Selection, Sentence
from briefgen.select.standalone import (
    in_its_time,
    names_time_ahead,
    periods,
    relative_time,
    still_ahead,
    time_languages,
)
from briefgen.select.summarize import context, select

D = dt.date


def sent(text: str) -> Sentence:
    return Sentence(0, 0, 0, len(text), text, PARAGRAPH, None, True, ())


def document(date: dt.date | None = None, text: str = "") -> Document:
    blocks = tuple(Block(PARAGRAPH, p) for p in text.split("\n\n") if p)
    return clean(Article(path="a.txt", form="text", blocks=blocks, date=date), 0)


# ----------------------------------------------------------------------------- found


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Die Regierung kündigte am Dienstag an, das Gesetz zu ändern."),
        ("de", "Gestern fiel der Kurs der Aktie um vier Prozent."),
        ("de", "Die Abstimmung im Bundestag ist für nächste Woche geplant."),
        ("de", "Nächstes Jahr soll die Anlage in Betrieb gehen."),
        ("de", "Vor zwei Wochen scheiterten die Gespräche in Berlin."),
        ("de", "Anfang des Monats stiegen die Strompreise deutlich."),
        ("de", "Der Konzern hat kürzlich ein neues Werk eröffnet."),
        ("de", "Die Sitzung des Ausschusses wird morgen fortgesetzt."),
        ("de", "Morgen beginnt der Gipfel in Berlin."),
        ("de", "Der Rat tagte am Dienstagabend bis spät in die Nacht."),
        ("fr", "Le gouvernement a annoncé mardi une réforme des retraites."),
        ("fr", "Hier, les prix de l'électricité ont baissé."),
        ("fr", "Le vote aura lieu la semaine prochaine à l'Assemblée."),
        ("fr", "Il y a deux semaines, les discussions ont échoué."),
        ("fr", "L'an dernier, les ventes ont augmenté de dix pour cent."),
        ("es", "El gobierno anunció el martes una reforma energética."),
        ("es", "Mañana se votará la ley en el Congreso."),
        ("es", "Hace dos semanas fracasaron las negociaciones."),
        ("es", "La ley entrará en vigor el año que viene."),
        ("it", "Il governo ha annunciato martedì una riforma."),
        ("it", "Due settimane fa i colloqui sono falliti."),
        ("it", "La prossima settimana il voto in parlamento."),
        ("it", "Quest'anno il consiglio si riunisce a Roma."),
        ("nl", "De regering kondigde dinsdag een hervorming aan."),
        ("nl", "Twee weken geleden mislukten de gesprekken."),
        ("nl", "Morgen stemt de Kamer over de wet."),
        ("nl", "Volgende week stemt de Tweede Kamer over het voorstel."),
        ("pt", "O governo anunciou na terça-feira uma reforma."),
        ("pt", "Há duas semanas as negociações fracassaram."),
        ("pt", "Na próxima semana o parlamento vota a lei."),
        ("pt", "O conselho reuniu-se três semanas atrás em Lisboa."),
    ],
)
def test_a_relative_time_is_found_in_each_language(language: str, text: str) -> None:
    assert relative_time(text, language)
    assert not relative_time(text)  # English's words alone miss it


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Am Morgen fuhren in der Stadt keine Busse."),  # the morning, not tomorrow
        ("de", "Der Morgen begann mit Regen in der ganzen Stadt."),
        ("de", "Die Anlage wurde am 5. März 2021 eröffnet."),
        ("de", "Das Werk wurde am Dienstag, 12. Dezember 2022, eröffnet."),  # a weekday introducing a full date
        ("de", "Der Streit landete vor dem Gericht in Karlsruhe."),  # "vor" without a number and a unit
        ("de", "Die Mitarbeiter des Monats wurden in Berlin geehrt."),
        ("de", "Hier entsteht das größte Solarkraftwerk des Landes."),  # "hier" is French for yesterday
        ("fr", "Le ministre s'est rendu à Paris le 5 mars 2021."),
        ("fr", "Le ministre s'est rendu à Paris mardi 5 mars 2021."),
        ("es", "Los autobuses no circularon por la mañana en la ciudad."),  # the morning, not tomorrow
        ("es", "Hace frío en Madrid durante todo el invierno."),  # "hace" without a number and a unit
        ("it", "Il ministro fa sapere che la riforma è pronta."),  # "fa" as "does"
        ("it", "Il domani dell'Europa dipende dalle riforme."),  # the future, not tomorrow
        ("nl", "De morgen begon met regen in de hele stad."),  # the morning, not tomorrow
        ("pt", "Há muitos problemas na rede elétrica do país."),  # "há" as "there is"
        ("pt", "Há dois problemas na rede elétrica do país."),  # a number, but no unit of time
    ],
)
def test_what_only_looks_like_a_relative_time_is_none(language: str, text: str) -> None:
    assert not relative_time(text, language)


def test_each_language_reads_only_its_own_words() -> None:
    assert relative_time("Shares fell sharply yesterday after the announcement.")
    assert not relative_time("Shares fell sharply yesterday after the announcement.", "de")
    assert relative_time("Hier, les prix ont baissé.", "fr") and not relative_time("Hier, les prix ont baissé.", "de")
    assert not relative_time("Wczoraj ceny spadły.", "pl")  # a language without words: nothing found
    assert cues.weekday_names("de")["Dienstag"] == 1 and cues.month_names("fr")["mars"] == 3  # the CLDR's names


# ----------------------------------------------------------------------------- resolved


@pytest.mark.parametrize(
    ("language", "text", "start", "end", "forward"),
    [
        ("de", "Die Abstimmung ist für nächste Woche geplant.", D(2022, 11, 28), D(2022, 12, 4), True),
        ("de", "Gestern fiel der Kurs der Aktie.", D(2022, 11, 20), D(2022, 11, 20), False),
        ("de", "Vor zwei Wochen scheiterten die Gespräche.", D(2022, 11, 7), D(2022, 11, 7), False),
        ("de", "In zwei Wochen soll der Bericht vorliegen.", D(2022, 11, 21), D(2022, 12, 5), True),
        ("de", "Nächstes Jahr soll die Anlage in Betrieb gehen.", D(2023, 1, 1), D(2023, 12, 31), True),
        ("de", "Die Kommission legt im März nächsten Jahres einen Bericht vor.", D(2023, 3, 1), D(2023, 3, 31), True),
        ("de", "Bis Ende des Jahres soll das Gesetz verabschiedet werden.", D(2022, 1, 1), D(2022, 12, 31), True),
        ("de", "Am vergangenen Dienstag tagte der Rat in Berlin.", D(2022, 11, 15), D(2022, 11, 15), False),
        ("de", "Der Rat wird am Donnerstag in Berlin tagen.", D(2022, 11, 24), D(2022, 11, 24), True),
        ("de", "Am 5. Dezember soll der Rat in Berlin tagen.", D(2022, 12, 5), D(2022, 12, 5), True),
        ("de", "Seit März tagt der Rat jede Woche.", D(2022, 3, 1), D(2022, 3, 31), False),
        ("fr", "Le vote aura lieu la semaine prochaine.", D(2022, 11, 28), D(2022, 12, 4), True),
        ("fr", "Mardi dernier, le conseil s'est réuni.", D(2022, 11, 15), D(2022, 11, 15), False),
        ("fr", "Le projet sera lancé en mars prochain.", D(2023, 3, 1), D(2023, 3, 31), True),
        ("fr", "Le rapport sera publié dans un mois.", D(2022, 11, 21), D(2022, 12, 21), True),
        ("es", "La ley entrará en vigor el año que viene.", D(2023, 1, 1), D(2023, 12, 31), True),
        ("es", "El consejo se reunirá el 5 de diciembre.", D(2022, 12, 5), D(2022, 12, 5), True),
        ("it", "Due settimane fa i colloqui sono falliti.", D(2022, 11, 7), D(2022, 11, 7), False),
        ("it", "Il consiglio si riunirà a marzo dell'anno prossimo.", D(2023, 3, 1), D(2023, 3, 31), True),
        ("nl", "De raad komt over twee weken bijeen.", D(2022, 11, 21), D(2022, 12, 5), True),
        ("nl", "Afgelopen dinsdag kwam de raad bijeen.", D(2022, 11, 15), D(2022, 11, 15), False),
        ("pt", "O conselho reúne-se no ano que vem.", D(2023, 1, 1), D(2023, 12, 31), True),
        ("pt", "Há duas semanas as negociações fracassaram.", D(2022, 11, 7), D(2022, 11, 7), False),
    ],
)
def test_relative_times_are_resolved_against_the_article_s_date(
    language: str, text: str, start: dt.date, end: dt.date, forward: bool
) -> None:
    (period,) = periods(text, D(2022, 11, 21), language=language)  # a Monday
    assert (period.start, period.end, period.forward) == (start, end, forward)


def test_an_amount_after_a_preposition_is_no_year() -> None:
    date = D(2022, 11, 21)
    assert periods("Der Preis soll bis 2000 Euro steigen.", date, True, "de") == []
    assert periods("La potenza salirà a 2000 megawatt.", date, True, "it") == []
    (period,) = periods("Bis 2030 soll der Ausbau dauern.", date, True, "de")
    assert (period.start, period.forward) == (D(2030, 1, 1), True)


def test_a_relative_time_without_a_date_resolves_to_nothing_but_a_full_date_does() -> None:
    assert periods("Die Abstimmung ist für nächste Woche geplant.", None, language="de") == []
    (period,) = periods("Die Abstimmung ist für den 5. März 2023 geplant.", None, language="de")
    assert period.start == D(2023, 3, 5)


# ----------------------------------------------------------------------------- kept out where it cannot be trusted


NEXT_WEEK = "Die Bundesnetzagentur soll nächste Woche die Ergebnisse der Ausschreibung für Windkraft veröffentlichen."
TUESDAY = "Der Minister kündigte am Dienstag an, die Genehmigungen für Windkraftanlagen zu vereinfachen."
LEAD = "Die Bundesregierung will den Ausbau der Windkraft an Land deutlich beschleunigen und neue Flächen ausweisen."
OTHER = "Die Betreiber der Windparks an der Küste meldeten im dritten Quartal einen neuen Rekord bei der Einspeisung."


def test_a_german_relative_time_is_quoted_only_from_an_article_dated_in_the_window() -> None:
    s, start = sent(TUESDAY), D(2022, 11, 15)
    german = ("en", "de")
    assert in_its_time(s, document(D(2022, 11, 16)), start, german)
    assert not in_its_time(s, document(None), start, german)  # undated: which Tuesday?
    assert not in_its_time(s, document(D(2022, 10, 20)), start, german)  # dated before the window
    assert in_its_time(s, document(None), start)  # read as English alone, it slipped through


def test_a_german_next_week_counted_from_its_article_is_past_at_the_as_of_date() -> None:
    s = sent(NEXT_WEEK)
    cue = cues.future("de")
    found = cue.search(NEXT_WEEK) if cue else None
    assert found is not None
    german = ("en", "de")
    assert still_ahead(s, document(D(2022, 11, 21)), D(2022, 11, 25), found.start(), german)
    assert not still_ahead(s, document(D(2022, 10, 24)), D(2022, 11, 21), found.start(), german)
    assert not still_ahead(s, document(None), D(2022, 11, 21), found.start(), german)  # undated: not known ahead
    assert names_time_ahead(NEXT_WEEK, D(2022, 11, 21), D(2022, 11, 30), german)
    assert not names_time_ahead(NEXT_WEEK, D(2022, 11, 21), D(2022, 12, 5), german)


def test_a_document_s_times_are_read_in_its_own_language_and_english() -> None:
    assert time_languages("de", "en") == ("en", "de")
    assert time_languages("en", "de") == ("en",)
    assert time_languages(None, "fr") == ("en", "fr")  # not told (too short, mixed): the briefing's
    assert time_languages(None, "en") == ("en",)


def german_corpus(texts_by_doc: list[list[str]], dates: list[dt.date | None]) -> Corpus:
    docs = [
        clean(
            Article(path=f"d{k}.txt", form="text", blocks=tuple(Block(PARAGRAPH, t) for t in texts), date=dates[k]),
            k,
        )
        for k, texts in enumerate(texts_by_doc)
    ]
    return Corpus(tuple(docs), tuple(analyse_other(docs, "de")))


def chosen(selection: Selection, name: str) -> list[str]:
    return [s.text for sec in selection.sections if sec.name == name for s in sec.sentences]


def test_whats_next_in_a_german_briefing_leaves_out_a_next_week_already_past() -> None:
    corpus = german_corpus([[LEAD, NEXT_WEEK, OTHER]], [D(2022, 10, 24)])
    topic = TopicMatcher(Topic(), "de")
    analyst = AUDIENCES["analyst"].model_copy(update={"sections": ["whats_next"]})
    assert NEXT_WEEK in chosen(select(corpus, topic, analyst), "whats_next")  # no as-of date: nothing to count from
    month_later = select(corpus, topic, analyst, as_of=D(2022, 11, 21), window_start=D(2022, 10, 20))
    assert NEXT_WEEK not in chosen(month_later, "whats_next")
    days_later = select(corpus, topic, analyst, as_of=D(2022, 10, 26), window_start=D(2022, 10, 20))
    assert NEXT_WEEK in chosen(days_later, "whats_next")


def test_a_german_relative_time_from_an_undated_article_is_left_out_of_a_build() -> None:
    corpus = german_corpus([[TUESDAY, OTHER], [LEAD]], [None, D(2022, 11, 20)])
    topic = TopicMatcher(Topic(), "de")
    texts = [corpus.sentences[i].text for i in context(corpus, topic, window_start=D(2022, 11, 15)).candidates]
    assert TUESDAY not in texts and OTHER in texts and LEAD in texts
    assert TUESDAY in [corpus.sentences[i].text for i in context(corpus, topic).candidates]  # no window: as before


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Das Eis hat sich vor 5000 Jahren gebildet und soll nächste Woche untersucht werden."),
        ("es", "Hace 3000 años el glaciar era más grande."),
        ("fr", "Dans 8000 ans, le glacier aura disparu."),
        ("de", "In 99999999 Tagen ist es so weit."),
        ("en", "It happened 5000 years ago and will be studied next week."),
        ("de", "Die nächſte Woche wird spannend."),  # a long s: matched without regard to case
        ("fr", "La ſemaine prochaine, le vote."),
        ("de", "Dıe Sitzung ist nächste Woche."),
    ],
)
def test_far_times_and_unusual_letters_never_fail(language: str, text: str) -> None:
    found = periods(text, D(2025, 3, 12), None, language)
    assert all(p.start <= p.end for p in found)
    assert isinstance(still_ahead(sent(text), document(D(2025, 3, 12)), D(2025, 3, 20), 0, ("en", language)), bool)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "Fue en un año electoral cuando todo cambió."),
        ("pt", "Foi em um ano de crise."),
        ("fr", "Dans une année marquée par la crise, les prix ont grimpé."),
        ("de", "In einem Jahr, in dem die Preise stiegen, sank der Absatz."),
        ("es", "Esa mañana llovía en la capital."),
        ("es", "Aquella mañana de 1998 nadie lo esperaba."),
        ("es", "Es la energía del mañana."),
        ("nl", "De volgende morgen vertrok hij naar Brussel."),
        ("es", "Hoy en día nadie lee los periódicos en papel."),
        ("nl", "Vandaag de dag leest niemand nog een krant op papier."),
    ],
)
def test_words_that_only_look_like_a_relative_time_are_none(language: str, text: str) -> None:
    assert not relative_time(text, language)
    assert not [p for p in periods(text, D(2025, 3, 12), None, language) if p.forward]


def test_a_unit_of_a_named_year_is_that_year_not_this_one() -> None:
    found = periods("Las ventas cayeron en el último trimestre de 2023.", D(2025, 3, 12), None, "es")
    assert all(p.end.year <= 2023 for p in found)
