"""Key players: the people, organisations and countries a story's sources name, however they name them.

Entity mentions from spaCy's NER are merged into players: titles are dropped, a single
name joins the one full name it belongs to, an acronym joins the one long form whose
initials it spells, and countries are named as ISO 3166 (through pycountry) names them.
Selection (``summarize``) then quotes one sentence about each of the players most sources name.

Without an entity model (every language but English), the names found by their spelling
(:mod:`briefgen.analyse.lang.names`, labelled ``NAME``) take the place of people and organisations:
they are merged as people's names are, and count only when several sources use them.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

#: People, organizations and countries (spaCy's PERSON, ORG and GPE; only GPEs that are countries count),
#: and the names found without an entity model (NAME).
PLAYER_LABELS = {"PERSON", "ORG", "GPE", "NAME"}
#: Labels whose names may be a person's, so that a surname joins the full name it ends.
PERSON_LABELS = {"PERSON", "NAME"}
#: English short forms that ISO 3166 does not list, with the name a briefing shows.
COUNTRY_ALIASES = {
    "u.s.": "United States",
    "us": "United States",
    "usa": "United States",
    "u.s.a.": "United States",
    "america": "United States",
    "united states of america": "United States",
    "uk": "United Kingdom",
    "u.k.": "United Kingdom",
    "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "russia": "Russia",
    "russian federation": "Russia",
    "turkey": "Turkey",
    "türkiye": "Turkey",
    "czech republic": "Czechia",
    "burma": "Myanmar",
    "ivory coast": "Côte d'Ivoire",
    "holland": "Netherlands",
    "the netherlands": "Netherlands",
    "iran": "Iran",
    "syria": "Syria",
    "vietnam": "Vietnam",
    "laos": "Laos",
    "north korea": "North Korea",
    "south korea": "South Korea",
    "taiwan": "Taiwan",
    "palestine": "Palestine",
    "the gaza strip": "Gaza",
    "gaza": "Gaza",
    "the west bank": "West Bank",
    "west bank": "West Bank",
    "kosovo": "Kosovo",
    "the uae": "United Arab Emirates",
    "uae": "United Arab Emirates",
}


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """Lower-case country names (ISO 3166 through pycountry, plus common English forms) → the name shown."""
    import pycountry

    names: dict[str, str] = {}
    for c in pycountry.countries:
        common: str | None = getattr(c, "common_name", None)
        official: str = getattr(c, "official_name", c.name)
        shown = common or (c.name if "," not in c.name else official)
        for form in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if form and "," not in form:
                names[form.lower()] = shown
    names.update(COUNTRY_ALIASES)
    return names


#: Titles and honorifics before a person's name: "Prime Minister Ishiba" is Ishiba.
_TITLES = re.compile(
    r"^(?:(?:former|acting|deputy|vice|chief|senior|foreign|defen[cs]e|finance|trade|prime|minister|president|"
    r"premier|chancellor|secretary|general|gen|lt|col|adm|admiral|sen|senator|rep|representative|gov|governor|"
    r"mayor|judge|justice|king|queen|prince|princess|sheikh|ambassador|envoy|chairman|chairwoman|chair|ceo|"
    r"director|spokesman|spokeswoman|spokesperson|commissioner|mr|mrs|ms|dr|prof|sir|dame|lord|lady|rev|pope|"
    r"cardinal)\.?\s+)+",
    re.I,
)
#: News agencies, which datelines and credit lines name ("WASHINGTON (AP) --"): who filed a story, not who is in it.
WIRE_SERVICES = frozenset(
    [
        "aap",
        "afp",
        "agence france-presse",
        "agence france presse",
        "ansa",
        "antara",
        "ap",
        "associated press",
        "bernama",
        "dpa",
        "efe",
        "interfax",
        "irna",
        "itar-tass",
        "kyodo",
        "kyodo news",
        "mena",
        "press trust of india",
        "pti",
        "reuters",
        "tass",
        "upi",
        "united press international",
        "xinhua",
        "xinhua news agency",
        "yonhap",
    ]
)
_SMALL_WORDS = {"of", "the", "and", "for", "on", "in", "de", "du", "la", "&"}


#: How many entity mentions :func:`canonical_name` and :func:`player_name` remember: a story's
#: names recur in sentence after sentence, and both are pure functions of the mention.
NAME_CACHE = 1 << 16


@lru_cache(maxsize=NAME_CACHE)
def canonical_name(text: str, label: str) -> str:
    """A name without possessive, leading article, stray punctuation and, for people, titles."""
    name = re.sub(r"(?:['\u2019]s?)$", "", " ".join(text.split()))
    name = re.sub(r"^the\s+", "", name, flags=re.I)
    if label in PERSON_LABELS:
        stripped = _TITLES.sub("", name)
        if re.search(r"[A-Z]", stripped):  # a title alone ("President") stays as it is
            name = stripped
    return name.strip(" ,;:-\u2014\u2013")


@lru_cache(maxsize=NAME_CACHE)
def player_name(text: str, label: str) -> str | None:
    """The name an entity mention gives a player, or None when it names no player."""
    if label not in PLAYER_LABELS:
        return None
    name = canonical_name(text, label)
    if len(name) < 2 or not re.search(r"[A-Za-z]", name):
        return None
    if not _TITLES.sub("", name + " ").strip():
        return None  # a title alone: "Defense", "the President"
    if name.lower() in WIRE_SERVICES:
        return None  # the agency that filed the story, named in its dateline or credit line
    if label == "GPE":
        # Cities and regions are settings, not players; "U.S." and "America" are one country.
        return countries().get(name.lower()) or countries().get(text.strip().lower())
    return name


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[\w'\u2019]+", name) if w.lower() not in _SMALL_WORDS and w[0].isupper())


def _acronym(name: str) -> str | None:
    """The letters of "U.S." or "NATO", to compare with a long form's initials."""
    letters = name.replace(".", "").replace(" ", "")
    return letters if 2 <= len(letters) <= 6 and letters.isupper() and letters.isalpha() else None


@dataclass(slots=True)
class Player:
    """One person, organization or country, however the sources name it."""

    key: str
    name: str
    keys: set[str] = field(default_factory=set)
    sources: set[int] = field(default_factory=set)
    mentions: int = 0


def _only(found: dict[str, str | None], at: str, key: str) -> None:
    """File ``key`` under ``at``: ``found[at]`` is the one key filed there, or None once two differ."""
    if at not in found:
        found[at] = key
    elif found[at] != key:
        found[at] = None


def merge_players(mentions: Iterable[tuple[str, str, int]]) -> tuple[list[Player], dict[str, str]]:
    """Group entity mentions ``(text, label, doc)`` into players, ranked by how many articles name them.

    Titles are dropped ("Prime Minister Ishiba" → "Ishiba"); a single name joins the one
    person's full name that begins or ends with it ("Ishiba" → "Shigeru Ishiba"); an acronym
    joins the one long form whose initials it spells ("U.S." → "United States"). A name two
    full names share stays apart, since it could be either. Returns the players and the map
    from each name key (lower-case canonical name) to its player's key.

    A story names the same players again and again, so each distinct mention is read once,
    and the bookkeeping is kept in a few flat tables rather than in containers per name.
    """
    counted = Counter(mentions)
    spelled: Counter[str] = Counter()  # how often each spelling of a name occurs
    people: set[str] = set()  # the name keys some mention labels a person
    for (text, label, _), n in counted.items():
        name = player_name(text, label)
        if name is None:
            continue
        spelled[name] += n
        if label in PERSON_LABELS:
            people.add(name.lower())
    # A name is shown as most mentions spell it (the first in alphabetical order of those tied).
    shown: dict[str, str] = {}
    mentioned: dict[str, int] = {}
    for name, n in sorted(spelled.items(), key=lambda kv: (-kv[1], kv[0])):
        key = name.lower()
        shown.setdefault(key, name)
        mentioned[key] = mentioned.get(key, 0) + n
    keys = sorted(mentioned)

    parent: dict[str, str] = {}
    # The same words in another order are one name: "Ishiba Shigeru" is "Shigeru Ishiba".
    by_words = sorted((" ".join(sorted(set(key.split()))), key) for key in keys if " " in key)
    for _, group in itertools.groupby(by_words, key=lambda pair: pair[0]):
        members = [key for _, key in group]
        main = max(members, key=lambda k: (mentioned[k], k))
        for key in members:
            parent[key] = main
    by_part: dict[str, str | None] = {}
    by_initials: dict[str, str | None] = {}
    for key in set(parent.values()):
        words = key.split()
        if key in people:
            _only(by_part, words[0], key)
            _only(by_part, words[-1], key)
        initials = _initials(shown[key])
        if len(initials) >= 2:
            _only(by_initials, initials, key)
    for key in keys:
        if " " in key:
            continue
        full = by_part.get(key)
        acronym = _acronym(shown[key])
        long_form = by_initials.get(acronym) if acronym else None
        parent[key] = full or long_form or key

    players: dict[str, Player] = {}
    for key, target in sorted(parent.items()):
        player = players.get(target)
        if player is None:
            player = players[target] = Player(key=target, name=shown[target])
        player.keys.add(key)
        player.mentions += mentioned[key]
    for text, label, doc in counted:
        name = player_name(text, label)
        if name is not None:
            players[parent[name.lower()]].sources.add(doc)
    ranked = sorted(players.values(), key=lambda p: (-len(p.sources), -p.mentions, p.name))
    return ranked, parent
