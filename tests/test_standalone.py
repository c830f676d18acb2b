"""Quoted sentences stand on their own and in their time: relative times, references to what came
before, What's next timing and facts (briefgen.select.standalone), alone and through selection."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from briefgen.analyse.nlp import analyse
from briefgen.analyse.topic import TopicMatcher
from briefgen.config.defaults import AUDIENCES, Topic
from briefgen.ingest.clean import clean
from briefgen.models import PARAGRAPH, Article, Background, Block, Corpus, Document, Sentence
from briefgen.select.standalone import (
    Opening,
    breaks_off,
    has_fact,
    in_its_time,
    lead_with_fact,
    names_time_ahead,
    opens_with_pronoun,
    periods,
    quotation,
    reference,
    relative_time,
    reports_past,
    short_names,
    short_speaker,
    still_ahead,
    topic_words,
)
from briefgen.select.summarize import FUTURE, context, needs_previous, select

from .conftest import SHARED

D = dt.date


def sent(text: str, entities: tuple[tuple[str, str], ...] = (), terms: tuple[str, ...] = (), doc: int = 0) -> Sentence:
    return Sentence(doc, 0, 0, len(text), text, PARAGRAPH, None, True, (), terms, entities)


def document(
    date: dt.date | None = None, not_before: dt.date | None = None, preview: dt.date | None = None
) -> Document:
    article = Article(path="a.txt", form="text", blocks=(), date=date)
    return Document(0, article, "", (), 0, 0, not_before=not_before, preview_of=preview)


# ----------------------------------------------------------------------------- relative time


@pytest.mark.parametrize(
    "text",
    [
        "The ministers met on Tuesday in Honolulu.",
        "Shares fell sharply yesterday after the announcement.",
        "The vote is expected next week.",
        "Exports rose earlier this month, the ministry said.",
        "The law takes effect later this year.",
        "The company recently opened a plant in Ulsan.",
        "Two weeks ago the talks broke down.",
        "Tuesday's meeting ended without an agreement.",
    ],
)
def test_a_relative_time_is_found(text):
    assert relative_time(text)


@pytest.mark.parametrize(
    "text",
    [
        "The ministers met on February 11, 2025 in Honolulu.",
        "On Tuesday, February 11, 2025, the ministers met in Honolulu.",
        "The secretariat opens in Seoul in April 2025.",
        "The alliance was founded in 1953 and renewed in 2010.",
    ],
)
def test_an_absolute_date_is_no_relative_time(text):
    assert not relative_time(text)


def test_a_relative_time_is_quoted_only_from_an_article_dated_in_the_window():
    s = sent("The ministers met on Tuesday in Honolulu.")
    start = D(2025, 2, 8)
    assert in_its_time(s, document(D(2025, 2, 11)), start)
    assert in_its_time(s, document(None, not_before=D(2025, 2, 10)), start)  # an inferred date counts
    assert not in_its_time(s, document(None), start)  # undated: which Tuesday?
    assert not in_its_time(s, document(D(2025, 1, 28)), start)  # dated before the window
    assert in_its_time(s, document(None), None)  # no window: as before
    assert in_its_time(sent("The ministers met on February 11, 2025."), document(None), start)


@pytest.mark.parametrize(
    ("text", "date", "end", "forward"),
    [
        ("The vote is set for next week.", D(2025, 2, 3), D(2025, 2, 16), True),
        ("The ministers will meet tomorrow.", D(2025, 2, 3), D(2025, 2, 4), True),
        ("The law takes effect later this year.", D(2025, 2, 3), D(2025, 12, 31), True),
        ("Investigators planned to begin last Wednesday.", D(1998, 11, 7), D(1998, 11, 4), False),
        ("They have held the campus since April.", D(1999, 7, 27), D(1999, 4, 30), False),
        ("Russia plans to end its operations by the end of February next year.", D(1999, 12, 15), D(2000, 2, 29), True),
        ("The secretariat will open in April.", D(2025, 2, 13), D(2025, 4, 30), True),
        ("The ministers will meet again on Thursday.", D(2025, 2, 11), D(2025, 2, 13), True),
    ],
)
def test_relative_times_are_resolved_against_the_articles_date(text, date, end, forward):
    (period,) = periods(text, date)
    assert (period.end, period.forward) == (end, forward)


def test_a_relative_time_without_a_date_resolves_to_nothing():
    assert periods("The vote is set for next week.", None) == []
    (period,) = periods("The vote is set for March 3, 2025.", None)
    assert period.start == D(2025, 3, 3)


# ----------------------------------------------------------------------------- What's next


def ahead(text: str, date: dt.date | None, as_of: dt.date | None, entities=(), terms=()) -> bool:
    s = sent(text, entities, terms)
    cue = FUTURE.search(text)
    assert cue is not None, text
    return still_ahead(s, document(date), as_of, cue.start())


def test_a_next_week_counted_from_its_article_is_past_at_the_as_of_date():
    text = "The three governments are expected to publish the text next week."
    assert ahead(text, D(2025, 2, 11), D(2025, 2, 14))
    assert not ahead(text, D(2025, 1, 20), D(2025, 2, 14))
    assert not ahead(text, None, D(2025, 2, 14))  # undated: not known to be ahead
    assert ahead(text, None, None)  # no as-of date: as before


def test_a_date_ahead_keeps_a_plan_and_a_date_gone_drops_it():
    text = "The secretariat is scheduled to open in Seoul in April."
    assert ahead(text, D(2025, 2, 13), D(2025, 2, 14))
    assert not ahead(text, D(2025, 2, 13), D(2025, 5, 2))
    assert ahead("The ministers will meet on March 3, 2025.", None, D(2025, 2, 14))
    assert not ahead("The ministers will meet on February 7, 2025.", None, D(2025, 2, 14))


def test_a_restated_commitment_is_a_past_event_not_a_next_step():
    text = (
        "President Trump reiterated America's steadfast dedication to Japan's defense, stating that the U.S. "
        "will employ its full military capabilities should the need arise."
    )
    terms = ("president", "trump", "reiterate", "america", "steadfast", "dedication")
    assert reports_past(sent(text, terms=terms), text.index("will"))
    assert not ahead(text, D(2025, 2, 10), D(2025, 2, 14), terms=terms)
    assert not ahead(text, D(2025, 2, 10), None, terms=terms)


@pytest.mark.parametrize(
    "text",
    [
        "Port officials said the container terminal will open to ships in the spring.",
        "The team, led by the chief prosecutor, will investigate reports of massacres.",
        "Russian generals have hinted that they plan to partition the region.",
        "The ministers are expected to meet again in Tokyo.",
    ],
)
def test_a_reported_plan_is_no_past_event(text):
    terms = ("port", "official", "say", "lead", "hint", "general")
    cue = FUTURE.search(text)
    assert cue is not None
    assert not reports_past(sent(text, terms=terms), cue.start())


def test_the_nearest_time_after_the_report_decides():
    conference = "The report urged states to adopt binding cuts at the conference next month to reach the goal by 2005."
    assert ahead(conference, D(1997, 11, 14), D(1997, 11, 30))
    assert not ahead(conference, D(1997, 11, 14), D(2000, 12, 31))  # the conference has come: not the goal
    said_today = "The prime minister said today that parliament will vote on the treaty next month."
    assert ahead(said_today, D(1998, 10, 17), D(1998, 10, 20))  # today is when it was said
    passed = "The law, passed this week, will take effect next year."
    assert ahead(passed, D(2025, 2, 12), D(2025, 2, 20))
    weekend = "Talks will resume this weekend."
    assert ahead(weekend, D(2025, 2, 12), D(2025, 2, 16))  # read on the Sunday: still that weekend
    assert not ahead(weekend, D(2025, 2, 12), D(2025, 2, 17))


def test_an_expectation_naming_no_time_is_ahead_only_from_a_recent_report():
    text = "The ministers are expected to meet again in Tokyo."
    assert ahead(text, D(2025, 2, 10), D(2025, 2, 14))
    assert ahead(text, D(2025, 1, 31), D(2025, 2, 14))  # two weeks before
    assert not ahead(text, D(2025, 1, 30), D(2025, 2, 14))
    assert not ahead(text, D(1999, 5, 8), D(2000, 12, 31))
    assert ahead(text, D(1999, 5, 8), None)  # no as-of date: as before
    assert ahead("The ministers will meet again in Tokyo next year.", D(2024, 11, 2), D(2025, 2, 14))
    decade = "Demand for solar panels is expected to rise over the next decade."
    assert ahead(decade, D(1999, 5, 8), D(2000, 12, 31))  # a time named, if not resolved to days
    assert not ahead(decade, D(1999, 5, 8), D(2025, 2, 14))  # and it ends
    months = "The ministry is expected to reshape its plans in the months ahead."
    assert ahead(months, D(1999, 5, 8), D(1999, 12, 1))
    assert not ahead(months, D(1999, 5, 8), D(2003, 1, 1))
    recently = "Krieger recently announced plans to sue the company."
    assert not ahead(recently, D(1998, 3, 2), D(2001, 3, 2))  # a time named, but one gone by
    announced = "The commission whose formation was announced Monday will investigate the war."
    assert ahead(announced, D(2000, 4, 17), D(2000, 4, 20))
    assert not ahead(announced, D(2000, 4, 17), D(2000, 12, 31))  # Monday is when it was said
    undated = document(None)
    undated = dataclasses.replace(undated, not_before=D(2025, 1, 10))
    assert still_ahead(sent(text), undated, D(2025, 2, 14), text.index("are"))  # not its date: only a bound


def test_a_preview_naming_a_time_after_its_event_still_ahead_keeps_it():
    assert names_time_ahead("Several hotels do not plan to reopen until December.", D(1998, 10, 20), D(1998, 11, 7))
    assert not names_time_ahead(
        "All eyes are on Washington as the world waits to see whether this summit will reinforce ties.",
        None,
        D(2025, 2, 14),
    )


# ----------------------------------------------------------------------------- references


def test_a_speaker_named_by_a_surname_alone_follows_the_sentence_that_names_them(nlp):
    intro = "Mark Vitner, an economist at First Union Corp. in Charlotte, expects the dollar to weaken in the spring."
    quote = '"People may come to the conclusion that the world economy is in good enough shape," Vitner said.'
    between = "The dollar fell against the yen for a third week as traders sold it in Tokyo and London."
    corpus = build_corpus(nlp, [[f"{intro} {quote}"], [quote], [f"{intro} {between} {quote}"]], [D(1999, 5, 12)] * 3)
    texts = [(s.doc, s.text) for s in corpus.sentences]
    ctx = context(corpus, TopicMatcher(Topic()))
    assert ctx.followers.get(texts.index((0, quote))) == texts.index((0, intro))  # right after him named in full
    assert texts.index((1, quote)) in ctx.candidates  # an article that never named him in full: as before
    far = texts.index((2, quote))
    assert far not in ctx.candidates and far not in ctx.followers  # the sentence before does not name him
    named = {"mark", "vitner"}
    assert short_speaker(sent("Most Christians, Vitner said, find no conflict with the theory."), named) == "vitner"
    assert short_speaker(sent("The dollar will weaken, Mark Vitner said.", (("Mark Vitner", "PERSON"),)), named) is None
    assert short_speaker(sent("The dollar will weaken, Reuters said."), named) is None
    assert short_speaker(sent("The dollar will weaken, Vitner said."), set()) is None


def test_a_name_inside_the_quoted_words_is_not_the_speaker():
    text = '"The Congress cannot turn a blind eye to President Clinton\'s conduct," he said.'
    assert reference(sent(text, (("Clinton", "PERSON"),))) is Opening.PREVIOUS
    named = '"The Congress cannot turn a blind eye to this," Senator Smith said, and he said it twice.'
    assert reference(sent(named, (("Smith", "PERSON"),))) is Opening.ALONE


@pytest.mark.parametrize(
    "text",
    [
        "They agreed to expand military cooperation across the southwest islands.",
        '"He is one of the great murderers of this century."',
        "This is the first standing body the three countries share.",
        "Such a move could strain relations with Beijing.",
        "However, the agreement leaves the hardest questions open.",
        "The Palestinians, in turn, accuse Israel of reneging on the deal.",
        "Ishiba, for his part, sidestepped his more controversial proposals.",
        "The next day, the ministers flew to Tokyo.",
        "Tanzania, they noted, has yet to charge anyone over the attack.",
        "Defense spending, he said, would rise by a tenth next year.",
        "Addressing reporters in Nairobi, he said the embassy would reopen next month.",
        "Asked about the budget, she declined to give figures.",
        "Speaking on Tuesday, their spokesman said the offer stood.",
        "On Wednesday he will give the other board members a different draft of the standards.",
        "In the last six months they have become increasingly defiant.",
        "On Saturday, he traveled with the foreign minister to Riyadh.",
        "Yesterday he resigned from the board of the agency.",
        "For years they've fought the dam on the river.",
        "Funding and other details have not yet been worked out, he said.",
        '"Parents need to realize that adoption is also a sense of loss," she explained.',
        "Failure to do so will only ensure a recurrence of violence, he said Tuesday.",
        "'Defense spending will rise by a tenth next year,' he said.",
    ],
)
def test_pronouns_demonstratives_and_connectives_need_the_sentence_before(text):
    assert reference(sent(text)) is Opening.PREVIOUS
    assert needs_previous(sent(text))


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("Judging by Putin's habit, his address will be short.", (("Putin", "PERSON"),)),
        ("Speaking in Nairobi on Tuesday, President Moi said the embassy would reopen.", (("Moi", "PERSON"),)),
        ("According to the ministry, 12 people died in the attack.", ()),
        ("Nothing in the agreement binds Tokyo to pay for the radar.", ()),
        ("The deal stands, Smith said on Tuesday, and it will not change soon, he added.", (("Smith", "PERSON"),)),
        ("The talks would go on through the night, they said.", (("Hamas", "ORG"),)),
        ("The 1996 withdrawal from Chechnya was a mistake, he said, according to Itar-Tass.", ()),
        ("\u201cDefense spending will rise\u201d, he said, \u201cbut not by much.\u201d", ()),
        ("'Defense spending will rise', he said, 'but not by much.'", ()),
        ("After Taliban officials said they would consider it, Arab officials left Kabul.", ()),
        ("After Smith resigned he moved to Paris with his family.", (("Smith", "PERSON"),)),
        (
            "In an article he wrote last Sunday, former hurdler Edwin Moses said he backed the plan.",
            (("Edwin Moses", "PERSON"),),
        ),
        ("On Wednesday the board will see a different draft of the standards.", ()),
    ],
)
def test_an_opening_phrase_before_a_named_subject_or_one_that_names_someone_stands_alone(text, entities):
    """A possessive may stand for the person the opening phrase names; an attribution closing a
    clause, or after a quotation, is read as attributions always were."""
    assert reference(sent(text, entities)) is not Opening.PREVIOUS


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("Addressing reporters in Nairobi, he said the embassy would reopen next month.", (("Nairobi", "GPE"),)),
        ("Speaking to the BBC, he said the talks had failed.", (("BBC", "ORG"),)),
        ("Asked about the Palestinians, she said nothing had changed.", (("Palestinians", "NORP"),)),
        ("Addressing Clinton's cabinet, he said the plan would pass.", (("Clinton", "PERSON"),)),
    ],
)
def test_a_pronoun_subject_after_an_opening_phrase_is_never_the_phrases_own(text, entities):
    assert reference(sent(text, entities)) is Opening.PREVIOUS


def test_a_quotation_whose_speaker_the_sentence_names_stands_alone():
    quoted = sent(
        '"We will continue to service our foreign debt," President Hugo Chavez said in New York.',
        entities=(("Hugo Chavez", "PERSON"), ("New York", "GPE")),
    )
    assert reference(quoted) is Opening.ALONE
    assert opens_with_pronoun(quoted.text)  # still counted as a pronoun opener by the benchmark
    assert reference(sent('"I could not be more happy," she told local television.')) is Opening.PREVIOUS


@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("The United States will send two destroyers to the region.", (("The United States", "GPE"),)),
        ("The White House said the visit would go ahead.", (("The White House", "ORG"),)),
        ("The summit between Trump and Ishiba ended with a joint statement.", (("Trump", "PERSON"),)),
        ("The death toll from three weeks of sub-zero temperatures has reached 83.", ()),
        ("The man accused of directing the bombing came of age on the islands.", ()),
        ("The six teen-agers who were executed in 1954 were all black.", ()),
        ("The hostages -- Britons Peter Kennedy and Darren Hickey -- were kidnapped.", (("Peter Kennedy", "PERSON"),)),
        ("The military blamed activists for the attack near Dili, East Timor.", (("East Timor", "GPE"),)),
        ("The largest trilateral drill to date will take place near Jeju.", (("Jeju", "GPE"),)),
        ("The fact is that at least 23 athletes have tested positive.", ()),
        ("In the end, the passengers were bused to the terminal.", ()),
    ],
)
def test_a_definite_description_that_establishes_its_referent_stands_alone(text, entities):
    assert reference(sent(text, entities)) is Opening.ALONE


def test_a_definite_description_leans_on_the_sentence_that_names_it():
    said = sent("The company said profits fell.")
    assert reference(said) is Opening.UNRESOLVED
    named = sent("Samsung Electronics reported a drop in chip sales.", entities=(("Samsung Electronics", "ORG"),))
    assert reference(said, named) is Opening.PREVIOUS  # an organisation named before: "the company"
    talks = sent("The talks come as Turkey has massed forces near the border.", entities=(("Turkey", "GPE"),))
    before = sent("The two leaders drove straight to the palace for talks.")
    assert reference(talks, before) is Opening.PREVIOUS  # the same head named before
    assert reference(talks) is Opening.UNRESOLVED


def test_a_conditional_with_an_unintroduced_referent_is_unresolved():
    text = sent("If the court upholds Yoon's removal, an election must be held within 60 days.", (("Yoon", "PERSON"),))
    assert reference(text) is Opening.UNRESOLVED
    court = sent("The Constitutional Court began hearing the case.", entities=(("The Constitutional Court", "ORG"),))
    assert reference(text, court) is Opening.PREVIOUS
    assert reference(sent("During the summit, Ishiba raised the trade deficit.", (("Ishiba", "PERSON"),))) is (
        Opening.UNRESOLVED
    )


def test_the_readers_topic_words_are_known():
    known = topic_words(["secretariat", "missile defense"], ["South Korea"], frozenset())
    text = sent("The trilateral secretariat is scheduled to open in Seoul in April.", (("Seoul", "GPE"),))
    assert reference(text) is Opening.UNRESOLVED
    assert reference(text, known=known) is Opening.ALONE


# ----------------------------------------------------------------------------- facts


@pytest.mark.parametrize(
    ("text", "entities", "terms", "fact"),
    [
        (
            "The summit between Trump and Ishiba has reinforced the U.S.-Japan alliance at a critical juncture.",
            (("Trump", "PERSON"), ("Ishiba", "PERSON"), ("U.S.-Japan", "GPE")),
            ("the", "summit", "between", "trump", "and", "ishiba", "have", "reinforce"),
            False,
        ),
        (
            "Japan's commitment to expanding its defense capabilities signals a shift in the region.",
            (("Japan", "GPE"),),
            ("japan", "commitment", "signal", "shift"),
            False,
        ),
        (
            "The upcoming summit is more than just a diplomatic meeting.",
            (),
            ("the", "upcoming", "summit", "be", "more"),
            False,
        ),
        (
            "Trump underscored Washington's unwavering commitment to Japan's defense.",
            (("Trump", "PERSON"), ("Washington", "GPE"), ("Japan", "GPE")),
            ("trump", "underscore", "washington", "commitment"),
            True,
        ),
        ("Japan pledged to invest $1 trillion in the United States.", (("$1 trillion", "MONEY"),), (), True),
        ("Rescue teams evacuated the lower town of the valley.", (), ("rescue", "team", "evacuate"), True),
        ("Domestic politics remain the largest risk.", (), ("domestic", "politic", "remain"), False),
    ],
)
def test_a_fact_is_a_figure_a_date_or_a_reported_action_not_an_evaluation(text, entities, terms, fact):
    assert has_fact(sent(text, entities, terms)) is fact


def test_no_sentence_without_a_fact_leads():
    assert lead_with_fact([5, 6, 7], [False, False, True]) == (7, 5, 6)
    assert lead_with_fact([5, 6, 7], [True, False, True]) == (5, 6, 7)
    assert lead_with_fact([5, 6], [False, False]) == (5, 6)
    assert lead_with_fact([5, 6, 7, 8], [False, True, False, False], (), [False, False, True, False]) == (6, 7, 5, 8)
    # With what is new first, only a sentence as new as the first may move ahead of it.
    assert lead_with_fact([5, 6, 7], [False, False, True], new=[True, True, False]) == (5, 6, 7)


# ----------------------------------------------------------------------------- through selection


def build_corpus(nlp, texts_by_doc: list[list[str]], dates: list[dt.date | None]) -> Corpus:
    docs = [
        clean(
            Article(path=f"d{k}.txt", form="text", blocks=tuple(Block(PARAGRAPH, t) for t in texts), date=dates[k]),
            k,
        )
        for k, texts in enumerate(texts_by_doc)
    ]
    return analyse(docs, nlp)


def chosen(selection, name: str) -> list[str]:
    return [s.text for sec in selection.sections if sec.name == name for s in sec.sentences]


def every_text(selection) -> list[str]:
    return [s.text for sec in selection.sections for s in sec.sentences]


RADAR = "The defense ministers of the United States, Japan and South Korea agreed to link their missile-warning radars."
NEXT_WEEK = "The three governments are expected to publish the full text of the radar agreement next week."
TUESDAY = "Japan's defense ministry announced on Tuesday that the radar link would cost $300 million."
DATED = "Japan's defense ministry said the radar link would cost $300 million over five years."


def test_a_relative_time_from_an_undated_article_is_left_out_of_a_build(nlp):
    corpus = build_corpus(nlp, [[TUESDAY, RADAR], [DATED]], [None, D(2025, 2, 12)])
    topic = TopicMatcher(Topic())
    start = D(2025, 2, 8)
    idx = {s.text: i for i, s in enumerate(corpus.sentences)}
    ctx = context(corpus, topic, window_start=start)
    assert idx[TUESDAY] not in ctx.candidates and idx[TUESDAY] not in ctx.followers
    assert idx[RADAR] in ctx.candidates and idx[DATED] in ctx.candidates
    assert idx[TUESDAY] in context(corpus, topic).candidates  # no window: as before
    selection = select(corpus, topic, AUDIENCES["analyst"], as_of=D(2025, 2, 14), window_start=start)
    assert TUESDAY not in every_text(selection)


def test_whats_next_leaves_out_a_next_week_already_past(nlp):
    corpus = build_corpus(nlp, [[RADAR, NEXT_WEEK]], [D(2025, 1, 20)])
    topic = TopicMatcher(Topic())
    analyst = AUDIENCES["analyst"].model_copy(update={"sections": ["whats_next"]})
    assert NEXT_WEEK in chosen(select(corpus, topic, analyst), "whats_next")
    late = select(corpus, topic, analyst, as_of=D(2025, 2, 14), window_start=D(2025, 1, 15))
    assert NEXT_WEEK not in chosen(late, "whats_next")
    early = select(corpus, topic, analyst, as_of=D(2025, 1, 21), window_start=D(2025, 1, 15))
    assert NEXT_WEEK in chosen(early, "whats_next")


def test_a_previews_expectation_is_not_quoted_once_its_event_has_come(nlp):
    expectation = "All eyes are on Washington as the world waits to see whether the summit will reinforce the alliance."
    corpus = build_corpus(nlp, [[RADAR, expectation]], [None])
    docs = (dataclasses.replace(corpus.documents[0], preview_of=D(2025, 2, 7)),)
    marked = Corpus(docs, corpus.sentences)
    topic = TopicMatcher(Topic())
    analyst = AUDIENCES["analyst"]
    assert expectation in chosen(select(marked, topic, analyst), "whats_next")  # no as-of date: as before
    after = select(marked, topic, analyst, as_of=D(2025, 2, 14), window_start=D(2025, 2, 1))
    assert expectation not in every_text(after)


@pytest.mark.parametrize(
    ("text", "awaited", "found"),
    [
        ('"It is a matter of what needs to be taught.', "", (False, '"')),
        ('Teaching biology without it would be like teaching civics ...""', '"', (True, "")),
        ('"We will vote," she said.', "", (False, "")),
        ("\u201cWe will vote.", "", (False, "\u201d")),
        ("The rest of us will wait.\u201d", "\u201d", (True, "")),
        ("Right now we have 6,700 in 80 countries.", '"', (True, '"')),
        ('The pipe is 12" wide and the valve 3" long.', "", (False, "")),
        ('He called it a "drill" and left.', "", (False, "")),
        ('It was a "50-50" chance, he said.', "", (False, "")),
        ('The chemical is on the "Schedule 2" list of the treaty.', "", (False, "")),
        ('(" We will vote," she said.', "", (False, "")),
        ('"We start again," she said.', '"', (False, "")),  # its own mark: a quotation of its own
        ("\u201eDie Lage ist ernst\u201c, sagte Verbandschef Peter M\u00fcller.", "", (False, "")),
        ("\u00abNous voterons\u00bb, a-t-elle dit.", "", (False, "")),
        ("Er sagte: \u00bbWir werden abstimmen.", "", (False, "\u00ab")),
    ],
)
def test_where_a_quotation_is_open(text, awaited, found):
    assert quotation(text, awaited) == found


@pytest.mark.parametrize(
    ("text", "language", "broken"),
    [
        ("Gleichzeitig hoben die Koalitionspartner auf dem", "de", True),
        ("Er kam gestern in Berlin an", "de", False),  # a separable prefix ends a sentence
        ("The agency will publish the details of the", "en", True),
        ("Clinton steps in", "en", False),
        ("Le ministre a présenté le budget de", "fr", True),
        ("The talks ended on Tuesday.", "en", False),
        ("Call the desk at (602)", "en", False),
        ("Die Regierung räumt Fehler ein", "de", False),
        ("Merkel: Wir schaffen das", "de", False),
        ("Flamengo volta à Série A", "pt", False),
        ("Vitamin A", "en", False),
    ],
)
def test_a_paragraph_that_breaks_off_in_a_sentence(text, language, broken):
    assert breaks_off(text, language) is broken


def test_a_sentence_leans_only_on_the_one_right_before_it_in_its_article(nlp):
    lead = "Samsung Electronics reported a sharp drop in memory chip sales to China in the fourth quarter."
    gone = "Der Vorstand wollte die Zahlen am Dienstag nicht weiter kommentieren."
    follow = "He said demand for its high-bandwidth chips would recover in the second half."
    corpus = build_corpus(nlp, [[f"{lead} {gone} {follow}"]], [D(2025, 2, 10)])
    idx = {s.text: i for i, s in enumerate(corpus.sentences)}
    assert context(corpus, TopicMatcher(Topic())).followers.get(idx[follow]) == idx[gone]
    # The German sentence left out (as briefgen.select.languages leaves out a foreign one): the
    # English one after it leans on no sentence the corpus still holds, and is never quoted.
    without = Corpus(corpus.documents, tuple(s for s in corpus.sentences if s.text != gone))
    ctx = context(without, TopicMatcher(Topic()))
    texts = [s.text for s in without.sentences]
    assert texts.index(follow) not in ctx.followers and texts.index(follow) not in ctx.candidates


def test_the_rest_of_a_sentence_a_paragraph_broke_off_is_never_quoted(nlp):
    head = "The ministers of the three allies met in Seoul on Tuesday and agreed on the text of the"
    rest = "Radar agreement, which will take effect once the three parliaments approve it next year."
    whole = "The ministers of the three allies met again in Tokyo on Friday to sign the radar agreement."
    corpus = build_corpus(nlp, [[head, rest], [whole, rest]], [D(2025, 2, 10), D(2025, 2, 11)])
    texts = [(s.doc, s.text) for s in corpus.sentences]
    quotable = {texts[i] for i in context(corpus, TopicMatcher(Topic())).candidates}
    assert (0, rest) not in quotable and (1, rest) in quotable
    # The broken half left out of the corpus (as a sentence in another language is): the article's
    # own text still tells where its paragraph stopped.
    without = Corpus(corpus.documents, tuple(s for s in corpus.sentences if s.text != head))
    texts = [(s.doc, s.text) for s in without.sentences]
    assert (0, rest) not in {texts[i] for i in context(without, TopicMatcher(Topic())).candidates}


def test_a_quotation_stays_open_over_a_sentence_left_out(nlp):
    opened = "\u201cWe will not raise taxes in the coming budget year, whatever the opposition says."
    gone = "Also we want to cut the levy on fuel for farmers and for fishermen alike."
    inner = "Citizens can rely on that promise even when the public coffers are nearly empty."
    closed = "Every euro will be turned over twice,\u201d the finance minister said on Tuesday."
    corpus = build_corpus(nlp, [[f"{opened} {gone} {inner} {closed}"]], [D(2025, 2, 10)])
    without = Corpus(corpus.documents, tuple(s for s in corpus.sentences if s.text != gone))
    texts = [s.text for s in without.sentences]
    assert inner in texts
    assert texts.index(inner) not in context(without, TopicMatcher(Topic())).candidates


def test_a_sentence_inside_a_quotation_opened_before_it_is_never_quoted(nlp):
    opener = '"Lending for malaria by the World Bank has fallen for five years in a row.'
    inner = "The Fund spent less than a million dollars on it in the last budget year."
    later = "The World Bank said its lending for malaria would rise in the next budget year."
    corpus = build_corpus(nlp, [[f"{opener} {inner}"], [inner, later]], [D(2025, 2, 10), D(2025, 2, 11)])
    idx = [(s.doc, s.text) for s in corpus.sentences]
    ctx = context(corpus, TopicMatcher(Topic()))
    quotable = {idx[i] for i in ctx.candidates} | {idx[i] for i in ctx.followers}
    assert (0, inner) not in quotable  # someone's words, their speaker not named in it
    assert (1, inner) in quotable and (1, later) in quotable  # a new paragraph, no quotation open
    assert (0, inner) in {idx[i] for i in context(corpus, TopicMatcher(Topic()), standalone=False).candidates}


def test_an_unresolved_definite_description_is_never_quoted_and_a_resolved_one_follows(nlp):
    lead = "Samsung Electronics reported a sharp drop in memory chip sales to China in the fourth quarter."
    follow = "The company said demand for its high-bandwidth chips would recover in the second half."
    orphan = "The court said the company had broken the export rules when it shipped the chips to China."
    corpus = build_corpus(nlp, [[lead, follow], [orphan]], [D(2025, 2, 10), D(2025, 2, 11)])
    topic = TopicMatcher(Topic())
    ctx = context(corpus, topic)
    idx = {s.text: i for i, s in enumerate(corpus.sentences)}
    assert ctx.followers.get(idx[follow]) == idx[lead]
    assert idx[orphan] not in ctx.candidates and idx[orphan] not in ctx.followers
    key = AUDIENCES["analyst"].model_copy(update={"sections": ["key_points"]})
    texts = chosen(select(corpus, topic, key), "key_points")
    assert orphan not in texts
    assert follow not in texts or texts.index(follow) == texts.index(lead) + 1
    assert orphan in chosen(select(corpus, topic, key, standalone=False), "key_points")  # the older rule let it in


def test_a_surname_alone_after_the_full_name_does_not_open_the_briefing(nlp):
    full = "Russian Deputy Prime Minister Ilya Klebanov said on Thursday that a collision sank the submarine."
    short = "Klebanov, who leads the government commission, told reporters that the crew had no time to escape."
    again = "Klebanov said later that the commission would report by the end of the month."
    other = "Klebanov's critics in the Duma asked for the commission's records."
    corpus = build_corpus(nlp, [[full, short], [again], [short, other]], [D(2025, 2, 8)] * 3)
    texts = [(s.doc, s.text) for s in corpus.sentences]
    found = {texts[k] for k in short_names(corpus.sentences)}
    assert found == {(0, short)}  # not where its own article never named him in full
    one = build_corpus(nlp, [[full, short, again]], [D(2025, 2, 8)])
    assert {one.sentences[k].text for k in short_names(one.sentences)} == {short, again}
    bottom = AUDIENCES["analyst"].model_copy(update={"sections": ["bottom_line"]})
    assert chosen(select(one, TopicMatcher(Topic(keywords=["crew"])), bottom), "bottom_line") == [full]


def test_the_bottom_line_falls_back_on_a_short_mention_rather_than_none(nlp):
    full = "Russian Deputy Prime Minister Ilya Klebanov said on Thursday that a collision sank the submarine."
    told = full.replace("Thursday", "Wednesday")
    short = "Klebanov, who leads the government commission, told reporters that the crew had no time to escape."
    corpus = build_corpus(nlp, [[full, short]], [D(2025, 2, 8)])
    before = build_corpus(nlp, [[told]], [D(2025, 2, 1)])
    bottom = AUDIENCES["analyst"].model_copy(update={"sections": ["bottom_line"]})
    background = Background(sentences=before.sentences, sent=frozenset({" ".join(told.split()).casefold()}))
    selection = select(corpus, TopicMatcher(Topic(keywords=["crew"])), bottom, background=background)
    assert chosen(selection, "bottom_line") == [short]  # the full one repeats what the reader was told


@pytest.mark.parametrize(
    ("full", "later", "short"),
    [
        ("Xu Youfang", "Xu said the ministry will launch a drive against illegal logging.", "xu"),
        ("Glen Revere", "Revere's partner said the firm would appeal.", "revere"),
        ("Mary Jo White", "Ms. White said the case would go to a grand jury.", "white"),
        ("Gerhard Schr\u00f6der", "Schr\u00f6der told them the coalition would hold.", "schr\u00f6der"),
        ("Osama bin Laden", "Bin Laden is accused of ordering the bombings.", "bin"),
    ],
)
def test_a_short_mention_is_told_in_any_name_order_and_form(full, later, short):
    first = sent(f"{full} spoke to reporters in the capital on Monday.", (((full, "PERSON"),)))
    assert short_names([first, sent(later)]) == {1: short}
    assert short_names([sent(later), first]) == {}  # named in full only after it
    again = sent(f"{full} said again on Tuesday that nothing had changed.", (((full, "PERSON"),)))
    assert short_names([first, again]) == {}  # a sentence that names the person in full itself


def test_a_name_that_opens_its_own_full_form_is_no_short_mention():
    first = sent("Accompanying Liu, the doctors left the prison on Monday.", (("Accompanying Liu", "PERSON"),))
    liu = sent("Liu Nianchun, 50, has been in ill health for years.", (("Liu Nianchun", "PERSON"),))
    assert short_names([first, liu]) == {}


def test_the_bottom_line_and_the_first_key_point_state_a_fact(nlp):
    filler = "The summit between Trump and Ishiba has reinforced the alliance between Washington and Tokyo."
    facts = [
        "Trump and Ishiba agreed on Friday to expand joint exercises in the East China Sea.",
        "Japan pledged to raise its investment in the United States to $1 trillion by 2029.",
    ]
    corpus = build_corpus(nlp, [[filler, *facts], [filler, facts[0]], [filler]], [D(2025, 2, 8)] * 3)
    topic = TopicMatcher(Topic())
    executive = AUDIENCES["executive"]
    selection = select(corpus, topic, executive)
    (bottom,) = chosen(selection, "bottom_line")
    assert bottom != filler
    points = chosen(selection, "key_points")
    assert points and points[0] != filler
    old = select(corpus, topic, executive, standalone=False)
    assert chosen(old, "bottom_line") == [filler]  # the most covered sentence, which says no fact


# ----------------------------------------------------------------------------- on real news

DUC = SHARED / "eval" / "duc2003_task2.jsonl"


@pytest.mark.skipif(not DUC.is_file(), reason="../shared/eval is not beside this checkout")
def test_on_duc_no_item_dangles_and_no_next_step_is_past(duc_workspace):
    from briefgen.commands.evaluate import analyse_articles, read_clusters
    from briefgen.ingest.dates import infer

    clusters = read_clusters(DUC)[:10]
    topic = TopicMatcher(Topic())
    items = dangling = nexts = 0
    for cluster in clusters:
        corpus = analyse_articles(cluster.articles, None, duc_workspace)
        dates = sorted(d.article.date for d in corpus.documents if d.article.date)
        start, as_of = dates[0], dates[-1]
        corpus = Corpus(tuple(infer(d, start, as_of) for d in corpus.documents), corpus.sentences)
        selection = select(corpus, topic, AUDIENCES["analyst"], as_of=as_of, window_start=start)
        for section in selection.sections:
            for k, s in enumerate(section.sentences):
                items += 1
                before = section.sentences[k - 1] if k else None
                preceded = before is not None and (before.doc, before.position) == (s.doc, s.position - 1)
                dangling += opens_with_pronoun(s.text) and not preceded and reference(s) is not Opening.ALONE
            for s in (s for sec in selection.sections if sec.name == "whats_next" for s in sec.sentences):
                nexts += 1
                doc = next(d for d in corpus.documents if d.index == s.doc)
                cue = FUTURE.search(s.text)
                assert cue is not None and still_ahead(s, doc, as_of, cue.start()), s.text
    assert items > 100 and nexts > 5
    assert dangling == 0


def test_on_the_seeds_whats_next_holds_nothing_past_and_every_item_stands_alone(seeds, tmp_path):
    from briefgen.analyse.workspace import Workspace
    from briefgen.config.load import load_config
    from briefgen.select.intake import take_in

    config = tmp_path / "seeds.yaml"
    config.write_text(
        "title: U.S.-Japan alliance and South Korea\n"
        "topic: {keywords: [alliance, summit, defense], entities: [Japan, South Korea]}\n"
        "audience: analyst\n"
        f"sources: [{seeds}]\n"
        "window: {days: 30}\n",
        encoding="utf-8",
    )
    loaded = load_config(config)
    as_of = D(2025, 2, 14)
    workspace = Workspace()
    intake = take_in(loaded, as_of, {}, workspace)
    corpus = workspace.analyse(intake.documents, loaded.config.spacy_model)
    docs = {d.index: d for d in corpus.documents}
    topic = TopicMatcher(loaded.config.topic)
    audience = loaded.config.resolved_audience()

    def stale(s: Sentence) -> bool:
        """A next step gone by the as-of date: a preview's after its event, a past event, a time passed."""
        doc = docs[s.doc]
        cue = FUTURE.search(s.text)
        overtaken = doc.preview_of is not None and doc.preview_of < as_of
        overtaken = overtaken and not names_time_ahead(s.text, doc.article.date, as_of)
        return overtaken or cue is None or not still_ahead(s, doc, as_of, cue.start())

    def selected(standalone: bool):
        return select(
            corpus,
            topic,
            audience,
            loaded.config.summarizer,
            intake.focus,
            as_of=as_of,
            window_start=intake.start,
            standalone=standalone,
        )

    old = [s for sec in selected(False).sections if sec.name == "whats_next" for s in sec.sentences]
    assert any(stale(s) for s in old)  # the seeds hold such sentences, which the older rules quoted
    selection = selected(True)
    assert not any(stale(s) for sec in selection.sections if sec.name == "whats_next" for s in sec.sentences)
    for section in selection.sections:
        if section.name in {"bottom_line", "key_points"}:
            assert has_fact(section.sentences[0]), section.sentences[0].text
        for k, s in enumerate(section.sentences):
            i = corpus.sentences.index(s)
            previous = corpus.sentences[i - 1] if i and corpus.sentences[i - 1].doc == s.doc else None
            leans = reference(s, previous, topic_words(topic.topic.keywords, topic.topic.entities, topic.brief))
            assert leans is not Opening.UNRESOLVED, s.text
            if leans is Opening.PREVIOUS:
                assert k and section.sentences[k - 1] == previous, s.text
