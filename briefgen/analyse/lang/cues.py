"""The words selection reads sentences by, in German, French, Spanish, Italian, Dutch and Portuguese.

Selection's English cues (:mod:`briefgen.select.summarize`) say whether a sentence leans on the one
before it ("He said…", "But…"), looks ahead ("is expected to", "next week") or speaks of stakes
("could", "risks"). Read on another language they miss, or worse, match by accident (German "will"
is "wants"). These are the same cues for the other languages: openers that need their predecessor (pronouns
and connectives: quoted alone, "Denn man sucht gerade…" starts mid-argument), markers of plans,
schedules and expectations, and markers of consequence. A language without a list here gets no cue
of that kind: its What's next and Why it matters sections stay empty rather than match by accident.

The words of relative time (:class:`TimeWords`: "gestern", "la semaine prochaine", "hace dos
semanas", "due settimane fa") are here too, for :mod:`briefgen.select.standalone` to find and
resolve as it does English's. They follow TimeML's deictic and anchored expressions (Pustejovsky
et al., 2003) and the per-language resources of HeidelTime (Strötgen & Gertz, 2013,
"Multilingual and cross-domain temporal tagging"): closed classes written by hand (today and
tomorrow, next and last, the units, the numbers one to twelve, "ago"), while weekday and month
names are the CLDR's, through Babel (:func:`weekday_names`, :func:`month_names`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Sentence openers that only make sense after the sentence before them: pronouns and connectives.
_DANGLING = {
    "de": (
        r"er|sie|es|ihr|ihm|ihn|ihnen|sein|seine|seiner|seinen|ihre|ihrer|ihren|dies|diese|dieser|dieses|"
        r"denn|doch|aber|und|oder|sondern|jedoch|allerdings|außerdem|zudem|ebenso|dabei|daher|deshalb|deswegen|"
        r"darum|dennoch|trotzdem|somit|also|stattdessen|dort|damals|dazu|darüber|hierzu|hingegen|dagegen|"
        r"ebenfalls|gleichzeitig|zugleich|immerhin|schließlich|nun"
    ),
    "fr": (
        r"il|elle|ils|elles|ce|cela|ceci|celui-ci|celle-ci|mais|et|ou|donc|car|cependant|pourtant|toutefois|"
        r"ainsi|aussi|en outre|de plus|par ailleurs|néanmoins|en revanche|alors|puis"
    ),
    "es": (
        r"él|ella|ellos|ellas|esto|eso|ésta|éste|pero|y|o|sin embargo|además|también|así|por eso|por lo tanto|"
        r"no obstante|en cambio|entonces|luego|asimismo"
    ),
    "it": (
        r"lui|lei|loro|esso|essa|essi|esse|ciò|questo|questa|quello|quella|ma|e|o|però|tuttavia|inoltre|anche|"
        r"quindi|così|infatti|invece|poi|dunque|pertanto"
    ),
    "nl": (
        r"hij|zij|ze|hem|haar|hun|dit|dat|maar|en|of|want|echter|bovendien|ook|daarom|dus|toch|"
        r"daarnaast|tegelijk|verder|vervolgens|daar|zo"
    ),
    "pt": (
        r"ele|ela|eles|elas|isso|isto|aquilo|mas|e|ou|porém|contudo|todavia|além disso|também|assim|portanto|"
        r"no entanto|entretanto|então|depois"
    ),
}
#: What comes next: plans, schedules, expectations and a time ahead.
_FUTURE = {
    "de": (
        r"(?:soll|sollen|wird|werden)\s+(?:\w+\s+){0,6}?(?:bis|ab|im|am|in|nächste[nmrs]?|kommende[nmrs]?)\b|"
        r"geplant|plant|planen|voraussichtlich|künftig|demnächst|in (?:den )?kommenden (?:Tagen|Wochen|Monaten|Jahren)|"
        r"nächste[nmrs]? (?:Woche|Monat|Jahr|Schritt)|bis (?:Ende|spätestens)|Frist|angekündigt|vorgesehen"
    ),
    "fr": (
        r"devrait|devraient|prévu|prévue|prévoit|prévoient|doit|doivent|sera|seront|va|vont|"
        r"la semaine prochaine|le mois prochain|l'an prochain|l’an prochain|d'ici|d’ici|à venir|prochainement|échéance"
    ),
    "es": (
        r"prevé|prevén|previsto|prevista|planea|planean|será|serán|va a|van a|deberá|deberán|"
        r"la próxima semana|el próximo mes|el próximo año|a partir de|antes de finales|próximamente|plazo"
    ),
    "it": (
        r"prevede|prevedono|previsto|prevista|sarà|saranno|dovrà|dovranno|entro|"
        r"la prossima settimana|il prossimo mese|il prossimo anno|a partire da|prossimamente|scadenza"
    ),
    "nl": (
        r"zal|zullen|gaat|gaan|gepland|verwacht|volgende week|volgende maand|volgend jaar|"
        r"vanaf|uiterlijk|binnenkort|deadline|in de komende"
    ),
    "pt": (
        r"prevê|preveem|previsto|prevista|planeja|planejam|será|serão|vai|vão|deverá|deverão|"
        r"na próxima semana|no próximo mês|no próximo ano|a partir de|até o fim|em breve|prazo"
    ),
}
#: Consequence and stakes: what a story could mean.
_IMPLICATION = {
    "de": (
        r"könnte|könnten|würde|würden|droht|drohen|Risiko|Risiken|bedeutet|bedeuten|Folgen|Auswirkungen|"
        r"entscheidend|wichtig|wichtige[nmrs]?|zentral|kritisch|gefährdet|Druck|Chance|Chancen"
    ),
    "fr": r"pourrait|pourraient|risque|risques|menace|signifie|conséquences|enjeu|enjeux|crucial|essentiel|pression",
    "es": r"podría|podrían|riesgo|riesgos|amenaza|significa|consecuencias|clave|crucial|esencial|presión",
    "it": r"potrebbe|potrebbero|rischio|rischi|minaccia|significa|conseguenze|cruciale|essenziale|pressione",
    "nl": r"zou|zouden|kan|kunnen|risico|risico's|dreigt|betekent|gevolgen|cruciaal|essentieel|druk",
    "pt": r"poderia|poderiam|risco|riscos|ameaça|significa|consequências|crucial|essencial|pressão",
}


@lru_cache(maxsize=16)
def dangling(language: str) -> re.Pattern[str] | None:
    """Openers that need the sentence before them, in ``language``; None where there is no list."""
    words = _DANGLING.get(language)
    return re.compile(rf"^[\"'\u201e\u201c\u00ab\u00bb(]*(?:{words})\b", re.I) if words else None


@lru_cache(maxsize=16)
def future(language: str) -> re.Pattern[str] | None:
    """Markers of what comes next in ``language``; None where there is no list."""
    words = _FUTURE.get(language)
    return re.compile(rf"\b(?:{words})\b", re.I) if words else None


@lru_cache(maxsize=16)
def implication(language: str) -> re.Pattern[str] | None:
    """Markers of consequence in ``language``; None where there is no list."""
    words = _IMPLICATION.get(language)
    return re.compile(rf"\b(?:{words})\b", re.I) if words else None


# ----------------------------------------------------------------------------- relative time


def _forms(stems: str, endings: str, offset: int) -> dict[str, int]:
    """Every stem with every ending, each worth ``offset``: the inflections of an adjective."""
    return {stem + ending: offset for stem in stems.split() for ending in endings.split("|")}


def _each(words: str, value: str) -> dict[str, str]:
    """Every word of ``words`` (``|`` between them, spaces inside) mapped to ``value``."""
    return dict.fromkeys(words.split("|"), value)


def _numbers(words: str) -> dict[str, int]:
    """The number words one to twelve, in order, ``|`` between numbers and ``/`` between forms of one."""
    return {form: k for k, forms in enumerate(words.split("|"), start=1) for form in forms.split("/")}


@dataclass(frozen=True)
class TimeWords:
    """The words of relative time in one language.

    Plain words (dictionary keys: lower case, one space between words, ``'`` for either apostrophe)
    are looked up by :mod:`~briefgen.select.standalone`; the others are regular expressions, read
    without regard to case except inside ``(?-i:…)``. Templates hold ``{n}`` (a number) and
    ``{unit}`` (a counted unit)."""

    days: tuple[tuple[str, int], ...]
    """Days counted from the article's: each expression with how many days after it it is
    (today 0, tomorrow 1, yesterday -1); one that begins another ("ieri" of "ieri l'altro") comes
    after it, since the first that matches at a place is taken."""
    before: dict[str, int]
    """Words before a unit, a weekday or a month that say which: 0 this, 1 next, -1 last."""
    after: dict[str, int]
    """The same words after it ("la semaine prochaine", "el año pasado")."""
    units: dict[str, str]
    """The forms of a week, weekend, month, year or quarter after such a word."""
    singular: dict[str, str]
    """A day, week, month or year after "one": "Tag", "jour"."""
    plural: dict[str, str]
    """Days, weeks, months or years after a number: "Tagen", "jours"."""
    numbers: dict[str, int]
    """Number words, one to twelve, and a few and several as three (as English counts them)."""
    ago: tuple[str, ...]
    """A time so long before the article's: "vor {n} {unit}"."""
    within: tuple[str, ...]
    """A time within so long after it: "in {n} {unit}"."""
    around: tuple[str, ...]
    """So long before or after another time: "{n} {unit} später" (recognised, not resolved)."""
    coming: tuple[str, ...]
    """The coming days, weeks or months ({unit} plural)."""
    soon: str
    """Soon: the coming weeks."""
    recent: str
    """Recently, lately, the last few days ({unit} plural), the day before: recognised, not resolved."""
    edges: str
    """The beginning, middle or end of a unit: "Ende des Jahres" is this year."""
    of_the: str
    """What joins an edge or a month to the unit after it ("des", "de l'")."""
    prepositions: str
    """Words before a month or a year named without a day that make it a time: "im", "bis", "seit"."""
    back: str
    """Those of them that put it in the past ("seit", "depuis")."""
    tense: str
    """The future tense and words of plans ("wird", "soll", "réunira", "votará"): a weekday, a month or
    this week in a sentence with one is read ahead, as English reads them by the words before them."""
    compounds: str = ""
    """What a weekday takes as one word with it: "Dienstagabend", "maandagochtend"."""


_DE = TimeWords(
    days=(
        ("übermorgen", 2),
        ("vorgestern", -2),
        ("heute", 0),
        # Lower case "morgen" is tomorrow, "Morgen" the morning; a sentence may open on tomorrow.
        (r"(?-i:morgen)|(?-i:(?:^|(?<=^[\"„“»‚']))Morgen(?=\s+[a-zäöüß]))", 1),
        ("gestern", -1),
    ),
    before={
        **_forms("dies", "e|er|en|em|es", 0),
        **_forms("nächst kommend", "e|er|en|em|es", 1),
        **_forms("letzt vergangen vorig", "e|er|en|em|es", -1),
    },
    after={},
    units={
        **_each("woche", "week"),
        **_each("wochenende|wochenendes", "weekend"),
        **_each("monat|monats", "month"),
        **_each("jahr|jahres|jahrs", "year"),
        **_each("quartal|quartals", "quarter"),
    },
    singular={**_each("tag", "day"), **_each("woche", "week"), **_each("monat", "month"), **_each("jahr", "year")},
    plural={
        **_each("tage|tagen", "day"),
        **_each("wochen", "week"),
        **_each("monate|monaten", "month"),
        **_each("jahre|jahren", "year"),
    },
    numbers={
        **_numbers("ein/eine/einen/einem/einer/eins|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf"),
        **dict.fromkeys(["einigen", "wenigen", "mehreren", "ein paar", "paar"], 3),
    },
    ago=(r"\bvor\s+{n}\s+{unit}\b",),
    within=(r"\b(?:in|binnen|innerhalb\s+von)\s+{n}\s+{unit}\b",),
    around=(r"\b{n}\s+{unit}\s+(?:später|zuvor|früher|danach|davor|darauf)\b",),
    coming=(r"\bin\s+den\s+(?:kommenden|nächsten)\s+(?:{n}\s+)?{unit}\b",),
    soon=r"bald|demnächst|in\s+Kürze|in\s+naher\s+Zukunft",
    recent=(
        r"kürzlich|neulich|jüngst|unlängst|vor\s+kurzem|in\s+den\s+(?:letzten|vergangenen|zurückliegenden)\s+"
        r"(?:{n}\s+)?{unit}|am\s+(?:Vortag|Folgetag)|tags\s+(?:zuvor|darauf)|am\s+(?:folgenden|nächsten)\s+Tag"
    ),
    edges=r"Anfang|Mitte|Ende|im\s+Laufe",
    of_the=r"des|der",
    prepositions=r"im\s+Jahre?|im|in|bis\s+(?:Anfang|Mitte|Ende)|bis|ab|seit|vor|nach|Anfang|Mitte|Ende|von",
    back=r"seit|von",
    tense=r"wird|werden|wirst|soll|sollen|will|wollen|plant|planen|geplant|voraussichtlich|künftig",
    compounds=r"morgen|vormittag|mittag|nachmittag|abend|nacht",
)
_FR = TimeWords(
    days=(
        ("après-demain", 2),
        ("avant-hier", -2),
        (r"aujourd['’]hui|ce\s+matin|ce\s+soir|cet\s+après-midi|cette\s+nuit", 0),
        ("demain", 1),
        ("hier", -1),
    ),
    before={**dict.fromkeys(["ce", "cet", "cette"], 0), **_forms("prochain", "|e|s|es", 1)},
    after={
        **_forms("prochain", "|e|s|es", 1),
        **_forms("derni", "er|ère|ers|ères", -1),
        **_forms("passé", "|e|s|es", -1),
    },
    units={
        **_each("semaine", "week"),
        **_each("week-end|weekend", "weekend"),
        **_each("mois", "month"),
        **_each("an|année", "year"),
        **_each("trimestre", "quarter"),
    },
    singular={
        **_each("jour", "day"),
        **_each("semaine", "week"),
        **_each("mois", "month"),
        **_each("an|année", "year"),
    },
    plural={
        **_each("jours", "day"),
        **_each("semaines", "week"),
        **_each("mois", "month"),
        **_each("ans|années", "year"),
    },
    numbers={
        **_numbers("un/une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze"),
        **dict.fromkeys(["quelques", "plusieurs"], 3),
    },
    ago=(r"\bil\s+y\s+a\s+{n}\s+{unit}\b",),
    within=(r"\b(?:dans|d['’]ici(?:\s+à)?)\s+{n}\s+{unit}\b",),
    around=(r"\b{n}\s+{unit}\s+(?:plus\s+(?:tard|tôt)|après|avant|auparavant)\b",),
    coming=(
        r"\b(?:dans|au\s+cours\s+des)\s+(?:les\s+)?(?:{n}\s+)?(?:tout\s+)?prochaine?s\s+{unit}\b",
        r"\bdans\s+les\s+{unit}\s+(?:à|qui)\s+venir\b",
    ),
    soon=r"prochainement|bientôt|sous\s+peu",
    recent=(
        r"récemment|dernièrement|(?:ces|au\s+cours\s+des|durant\s+les|pendant\s+les)\s+(?:{n}\s+)?derni(?:ers|ères)\s+"
        r"{unit}|la\s+veille|le\s+lendemain|(?:la\s+semaine|le\s+mois|l['’]année|le\s+jour)\s+(?:suivante?|précédente?)"
    ),
    edges=r"début|milieu|fin",
    of_the=r"de\s+l['’]|du|de\s+la|de|d['’]",
    prepositions=(
        r"en|d['’]ici(?:\s+à)?|jusqu['’](?:en|à)|dès|depuis|avant|après|début|mi|fin|courant|à\s+partir\s+d(?:e|['’])"
    ),
    back=r"depuis",
    tense=r"sera|seront|aura|auront|va|vont|devrait|devraient|doit|doivent|prévue?s?|prévoit|prévoient|\w+(?:era|eront|ira|iront)",
)
_ES = TimeWords(
    days=(
        (r"pasado\s+mañana", 2),
        (r"anteayer|antier|antes\s+de\s+ayer", -2),
        (r"hoy(?!\s+(?:en\s+)?d[ií]a)|esta\s+mañana|esta\s+tarde|esta\s+noche", 0),  # not "hoy (en) día": nowadays
        ("anoche", -1),
        # "mañana" is tomorrow, but the morning after an article or a determiner ("la mañana", "por la
        # mañana", "esa mañana", "media mañana") and the future after "del" ("la energía del mañana").
        (
            r"(?<!\bla\s)(?<!\buna\s)(?<!\bcada\s)(?<!\bel\s)(?<!\bdel\s)(?<!\bmisma\s)(?<!\besa\s)"
            r"(?<!\bésta\s)(?<!\besta\s)(?<!\baquella\s)(?<!\bmedia\s)(?<!\botra\s)(?<!\btoda\s)(?<!\bnuestra\s)mañana",
            1,
        ),
        ("ayer", -1),
    ),
    before={
        **dict.fromkeys(["este", "esta"], 0),
        **_forms("próxim", "o|a", 1),
        **_forms("pasad", "o|a", -1),
        **_forms("últim", "o|a", -1),
    },
    after={**_forms("próxim", "o|a", 1), "que viene": 1, "entrante": 1, **_forms("pasad", "o|a", -1)},
    units={
        **_each("semana", "week"),
        **_each("fin de semana", "weekend"),
        **_each("mes", "month"),
        **_each("año", "year"),
        **_each("trimestre", "quarter"),
    },
    singular={**_each("día|dia", "day"), **_each("semana", "week"), **_each("mes", "month"), **_each("año", "year")},
    plural={
        **_each("días|dias", "day"),
        **_each("semanas", "week"),
        **_each("meses", "month"),
        **_each("años", "year"),
    },
    numbers={
        **_numbers("un/una/uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce"),
        **dict.fromkeys(["unos", "unas", "algunos", "algunas", "varios", "varias", "pocos", "pocas"], 3),
    },
    # "hace" is also "makes" and "it is" ("hace frío"): only before a number and a unit is it "ago".
    ago=(r"\bhace\s+(?:ya\s+|casi\s+|más\s+de\s+)?{n}\s+{unit}\b",),
    within=(r"\b(?:dentro\s+de|en\s+un\s+plazo\s+de|en)\s+{n}\s+{unit}\b",),
    around=(r"\b{n}\s+{unit}\s+(?:después|antes|más\s+tarde)\b",),
    coming=(
        r"\ben\s+(?:los|las)\s+(?:{n}\s+)?próxim[oa]s\s+{unit}\b",
        r"\ben\s+(?:los|las)\s+{unit}\s+(?:que\s+vienen|venider[oa]s)\b",
    ),
    soon=r"próximamente|pronto|en\s+breve|dentro\s+de\s+poco",
    recent=(
        r"recientemente|últimamente|hace\s+poco|(?:en|durante)\s+(?:los|las)\s+(?:{n}\s+)?últim[oa]s\s+{unit}|"
        r"(?:el|al)\s+día\s+(?:anterior|siguiente)|la\s+víspera|(?:la\s+semana|el\s+mes|el\s+año)\s+(?:anterior|siguiente)"
    ),
    edges=r"principios|comienzos|inicios|mediados|finales|fines|fin(?!\s+de\s+semana)",
    of_the=r"del|de\s+la|de",
    prepositions=(
        r"en|hasta|desde|para|antes\s+de|después\s+de|a\s+partir\s+de|"
        r"(?:a\s+)?(?:principios|comienzos|mediados|finales|fines)\s+de"
    ),
    back=r"desde",
    tense=r"será|serán|va\s+a|van\s+a|deberá|deberán|prevé|prevén|previst[oa]s?|\w+(?:ará|erá|irá|arán|erán|irán)",
)
_IT = TimeWords(
    days=(
        ("dopodomani", 2),
        (r"l['’]altro\s+ieri|altroieri|ieri\s+l['’]altro", -2),
        ("oggi|stamattina|stamani|stasera|stanotte", 0),
        # "il domani" is the future, not tomorrow.
        (r"(?<!\bil\s)(?<!\bdel\s)(?<!\bun\s)(?<!\bal\s)domani", 1),
        ("ieri", -1),
    ),
    before={
        **dict.fromkeys(["questo", "questa", "quest'"], 0),
        **_forms("prossim", "o|a", 1),
        **_forms("scors", "o|a", -1),
    },
    after={**_forms("prossim", "o|a", 1), "entrante": 1, **_forms("scors", "o|a", -1), **_forms("passat", "o|a", -1)},
    units={
        **_each("settimana", "week"),
        **_each("fine settimana|fine-settimana|weekend", "weekend"),
        **_each("mese", "month"),
        **_each("anno", "year"),
        **_each("trimestre", "quarter"),
    },
    singular={
        **_each("giorno", "day"),
        **_each("settimana", "week"),
        **_each("mese", "month"),
        **_each("anno", "year"),
    },
    plural={**_each("giorni", "day"), **_each("settimane", "week"), **_each("mesi", "month"), **_each("anni", "year")},
    numbers={
        **_numbers("un/uno/una|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici"),
        **dict.fromkeys(["alcuni", "alcune", "qualche", "diversi", "diverse", "pochi", "poche"], 3),
    },
    # "fa" is also "does": only after a number and a unit is it "ago".
    ago=(r"\b{n}\s+{unit}\s+fa\b",),
    within=(r"\b(?:tra|fra|entro|nel\s+giro\s+di)\s+{n}\s+{unit}\b",),
    around=(r"\b{n}\s+{unit}\s+(?:dopo|prima|più\s+tardi)\b",),
    coming=(
        r"\b(?:nei|nelle|nel\s+corso\s+dei|nel\s+corso\s+delle|entro\s+i|entro\s+le)\s+(?:{n}\s+)?prossim[ie]\s+{unit}\b",
    ),
    soon=r"prossimamente|presto|a\s+breve|tra\s+poco|fra\s+poco",
    recent=(
        r"recentemente|di\s+recente|ultimamente|(?:negli|nelle|nei)\s+(?:{n}\s+)?ultim[ie]\s+{unit}|"
        r"il\s+giorno\s+(?:prima|dopo|precedente|successivo)|l['’]indomani|la\s+vigilia|"
        r"(?:la\s+settimana|il\s+mese|l['’]anno)\s+(?:precedente|successiv[oa])"
    ),
    edges=r"inizio|metà|fine(?![\s-]+settimana)",
    of_the=r"dell['’]|della|dello|del|di",
    # "a" before a month ("a marzo"), never before a figure ("salire a 2000").
    prepositions=r"a\s+(?:inizio|metà|fine)|a(?=\s+\D)|in|entro\s+il|entro|dal|da|fino\s+al?|prima\s+di|dopo|inizio|metà|fine|nel",
    back=r"da|dal|sin\s+da|sin\s+dal",
    tense=r"sarà|saranno|dovrà|dovranno|prevede|prevedono|previst[oa]|\w+(?:erà|irà|ranno)",
)
_NL = TimeWords(
    days=(
        ("overmorgen", 2),
        ("eergisteren", -2),
        (r"vandaag(?!\s+de\s+dag)|vanochtend|vanmorgen|vanmiddag|vanavond|vannacht", 0),  # not "vandaag de dag"
        # "morgen" is tomorrow, but also the morning: "de morgen", "'s morgens", "elke morgen".
        (
            r"(?<!\bde\s)(?<!\bdeze\s)(?<!['’]s\s)(?<!\bdie\s)(?<!\belke\s)(?<!\biedere\s)(?<!\been\s)"
            r"(?<!\bvolgende\s)(?<!\bdezelfde\s)(?<!\bvroege\s)(?<!\bhele\s)"
            r"morgen(?:ochtend|middag|avond|vroeg)?",
            1,
        ),
        (r"gisteren(?:ochtend|middag|avond|nacht)?|gister(?:ochtend|middag|avond|nacht)", -1),
    ),
    before={
        **dict.fromkeys(["deze", "dit"], 0),
        **dict.fromkeys(["volgende", "volgend", "komende", "komend", "aanstaande"], 1),
        **dict.fromkeys(["vorige", "vorig", "afgelopen", "verleden"], -1),
    },
    after={},
    units={
        **_each("week", "week"),
        **_each("weekend", "weekend"),
        **_each("maand", "month"),
        **_each("jaar", "year"),
        **_each("kwartaal", "quarter"),
    },
    singular={**_each("dag", "day"), **_each("week", "week"), **_each("maand", "month"), **_each("jaar", "year")},
    plural={**_each("dagen", "day"), **_each("weken", "week"), **_each("maanden", "month"), **_each("jaren", "year")},
    numbers={
        **_numbers("een/één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf"),
        **dict.fromkeys(["enkele", "een paar", "paar", "verscheidene"], 3),
    },
    ago=(r"\b{n}\s+{unit}\s+geleden\b",),
    within=(r"\b(?:over|binnen)\s+{n}\s+{unit}\b",),
    around=(r"\b{n}\s+{unit}\s+(?:later|eerder|daarna|daarvoor|ervoor|erna)\b",),
    coming=(r"\b(?:in\s+)?de\s+(?:{n}\s+)?(?:komende|volgende|eerstvolgende)\s+(?:{n}\s+)?{unit}\b",),
    soon=r"binnenkort|spoedig|weldra|op\s+korte\s+termijn",
    recent=(
        r"onlangs|recentelijk|recent|kortgeleden|kort\s+geleden|(?:in\s+)?de\s+(?:{n}\s+)?(?:afgelopen|laatste|voorbije)\s+"
        r"(?:{n}\s+)?{unit}|de\s+dag\s+(?:ervoor|erna|daarvoor|daarna)|de\s+volgende\s+dag|daags\s+(?:ervoor|erna|daarna)"
    ),
    edges=r"begin|half|eind|einde|medio|halverwege",
    of_the=r"van\s+(?:de|het)|van",
    prepositions=r"in|tot|vanaf|sinds|voor|na|begin|half|eind|medio|uiterlijk|per|tegen",
    back=r"sinds",
    tense=r"zal|zullen|zult|gaat|gaan|gepland|verwacht",
    compounds=r"ochtend|morgen|middag|avond|nacht",
)
_PT = TimeWords(
    days=(
        (r"depois\s+de\s+amanhã", 2),
        ("anteontem", -2),
        (r"hoje|n?esta\s+(?:manhã|tarde|noite)", 0),
        ("amanhã", 1),
        ("ontem", -1),
    ),
    before={
        **dict.fromkeys(["este", "esta", "neste", "nesta", "deste", "desta"], 0),
        **_forms("próxim", "o|a", 1),
        **_forms("últim", "o|a", -1),
    },
    after={"que vem": 1, **_forms("próxim", "o|a", 1), **_forms("passad", "o|a", -1)},
    units={
        **_each("semana", "week"),
        **_each("fim de semana", "weekend"),
        **_each("mês|mes", "month"),
        **_each("ano", "year"),
        **_each("trimestre", "quarter"),
    },
    singular={**_each("dia", "day"), **_each("semana", "week"), **_each("mês|mes", "month"), **_each("ano", "year")},
    plural={**_each("dias", "day"), **_each("semanas", "week"), **_each("meses", "month"), **_each("anos", "year")},
    numbers={
        **_numbers("um/uma|dois/duas|três/tres|quatro|cinco|seis|sete|oito|nove|dez|onze|doze"),
        **dict.fromkeys(["alguns", "algumas", "poucos", "poucas", "vários", "várias"], 3),
    },
    # "há" is also "there is": only before a number and a unit is it "ago".
    ago=(r"\bhá\s+(?:cerca\s+de\s+|quase\s+|mais\s+de\s+)?{n}\s+{unit}\b", r"\b{n}\s+{unit}\s+atrás\b"),
    within=(r"\b(?:daqui\s+a|dentro\s+de|em)\s+{n}\s+{unit}\b",),
    around=(r"\b{n}\s+{unit}\s+(?:depois|antes|mais\s+tarde)\b",),
    coming=(r"\bn(?:os|as)\s+(?:{n}\s+)?próxim[oa]s\s+{unit}\b",),
    soon=r"em\s+breve|brevemente|proximamente",
    recent=(
        r"recentemente|ultimamente|há\s+pouco\s+tempo|n(?:os|as)\s+(?:{n}\s+)?últim[oa]s\s+{unit}|"
        r"(?:no|o)\s+dia\s+(?:anterior|seguinte)|na\s+véspera|(?:na\s+semana|no\s+mês|no\s+ano)\s+(?:anterior|seguinte)"
    ),
    edges=r"início|inicio|meados|meio|fim(?!\s+de\s+semana)|final",
    of_the=r"do|da|de",
    prepositions=(
        r"em|até|desde|para|antes\s+de|depois\s+de|a\s+partir\s+de|"
        r"(?:no\s+|em\s+)?(?:início|meados|final|fim)\s+de|no\s+ano\s+de"
    ),
    back=r"desde",
    tense=r"será|serão|vai|vão|deverá|deverão|prevê|preveem|previst[oa]|\w+(?:ará|erá|irá|arão|erão|irão)",
)
#: The words of relative time of each language but English (whose own are in
#: :mod:`briefgen.select.standalone`).
TIME_WORDS: dict[str, TimeWords] = {"de": _DE, "fr": _FR, "es": _ES, "it": _IT, "nl": _NL, "pt": _PT}


def time_words(language: str) -> TimeWords | None:
    """The words of relative time in ``language``; None where there is no list (English has its own)."""
    return TIME_WORDS.get(language)


@lru_cache(maxsize=16)
def weekday_names(language: str) -> dict[str, int]:
    """The weekdays of ``language`` written out as the CLDR writes them (capitalised in German, in
    lower case elsewhere), each with its number (Monday 0), through Babel."""
    from babel.dates import get_day_names

    return {
        str(name): day
        for context in ("format", "stand-alone")
        for day, name in get_day_names("wide", context=context, locale=language).items()
    }


@lru_cache(maxsize=16)
def month_names(language: str) -> dict[str, int]:
    """The months of ``language`` written out as the CLDR writes them, each with its number (January 1), through Babel."""
    from babel.dates import get_month_names

    return {
        str(name): month
        for context in ("format", "stand-alone")
        for month, name in get_month_names("wide", context=context, locale=language).items()
    }
