"""Key players: names merged across spellings, titles, name order and acronyms, and how players rank."""

from __future__ import annotations

from briefgen.select.players import NAME_CACHE, canonical_name, merge_players, player_name


def test_names_lose_titles_possessives_and_articles():
    assert canonical_name("Prime Minister Shigeru Ishiba's", "PERSON") == "Shigeru Ishiba"
    assert canonical_name("the  Pentagon", "ORG") == "Pentagon"
    assert canonical_name("President", "PERSON") == "President"  # a title alone stays as it is
    assert player_name("President", "PERSON") is None
    assert player_name("the U.S.", "GPE") == "United States"
    assert player_name("Honolulu", "GPE") is None  # a city is a setting, not a player
    assert player_name("$4 billion", "MONEY") is None


def test_names_are_remembered_not_worked_out_again():
    player_name.cache_clear()
    for _ in range(3):
        assert player_name("Defense Minister Gen Nakatani", "PERSON") == "Nakatani"
    info = player_name.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (2, 1, NAME_CACHE)


def test_a_player_is_shown_as_most_mentions_spell_it():
    kang = [("Kang Jae-won", "PERSON", 0), ("KANG JAE-WON", "PERSON", 1), ("KANG JAE-WON", "PERSON", 2)]
    lee = [("Lee Min-ho", "PERSON", 0), ("LEE MIN-HO", "PERSON", 1)]
    players, _ = merge_players([*kang, *lee])
    assert [p.name for p in players] == ["KANG JAE-WON", "LEE MIN-HO"]  # a tie goes to the first in order


def test_players_rank_by_sources_then_mentions_then_name():
    mentions = [
        *(("Japan", "GPE", doc) for doc in (0, 1, 2)),
        *(("Toyota", "ORG", 0) for _ in range(5)),
        ("Toyota", "ORG", 1),
        ("Sony", "ORG", 0),
        ("Sony", "ORG", 1),
        ("Sony", "ORG", 1),
        ("Honda", "ORG", 2),
        ("Honda", "ORG", 3),
    ]
    players, player_of = merge_players(mentions)
    assert [(p.name, len(p.sources), p.mentions) for p in players] == [
        ("Japan", 3, 3),
        ("Toyota", 2, 6),
        ("Sony", 2, 3),
        ("Honda", 2, 2),
    ]
    assert player_of == {"japan": "japan", "toyota": "toyota", "sony": "sony", "honda": "honda"}


def test_a_short_name_joins_only_a_full_name_it_cannot_be_mistaken_for():
    mentions = [
        ("Kim Jong Un", "PERSON", 0),
        ("Kim Yo Jong", "PERSON", 1),
        ("Kim", "PERSON", 2),  # either of two: left apart
        ("Un", "PERSON", 3),  # one of them: joins him
        ("World Health Organization", "ORG", 0),
        ("World Heritage Organization", "ORG", 1),
        ("WHO", "ORG", 2),  # the initials of both: left apart
        ("International Atomic Energy Agency", "ORG", 0),
        ("IAEA", "ORG", 3),
    ]
    players, player_of = merge_players(mentions)
    assert player_of["kim"] == "kim" and player_of["who"] == "who"
    assert player_of["un"] == "kim jong un"
    assert player_of["iaea"] == "international atomic energy agency"
    by_key = {p.key: p for p in players}
    assert by_key["kim jong un"].sources == {0, 3} and by_key["kim jong un"].keys == {"kim jong un", "un"}
    assert by_key["international atomic energy agency"].sources == {0, 3}


def test_a_name_given_in_another_word_order_is_the_same_player():
    players, player_of = merge_players(
        [("Ishiba Shigeru", "PERSON", 0), ("Shigeru Ishiba", "PERSON", 1), ("Shigeru Ishiba", "PERSON", 2)]
    )
    assert player_of == {"ishiba shigeru": "shigeru ishiba", "shigeru ishiba": "shigeru ishiba"}
    assert [(p.name, p.sources, p.mentions) for p in players] == [("Shigeru Ishiba", {0, 1, 2}, 3)]
