"""The words selection reads sentences by, in German, French, Spanish, Italian, Dutch and Portuguese.

Selection's English cues (:mod:`briefgen.select.summarize`) say whether a sentence leans on the one
before it ("He said…", "But…"), looks ahead ("is expected to", "next week") or speaks of stakes
("could", "risks"). Read on another language they miss, or worse, match by accident (German "will"
is "wants"). These are the same cues for the other languages: openers that need their predecessor (pronouns
and connectives: quoted alone, "Denn man sucht gerade…" starts mid-argument), markers of plans,
schedules and expectations, and markers of consequence. A language without a list here gets no cue
of that kind: its What's next and Why it matters sections stay empty rather than match by accident.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Sentence openers that only make sense after the sentence before them: pronouns and connectives.
_DANGLING = {
    "de": (
        r"er|sie|es|ihr|ihm|ihn|ihnen|sein|seine|seiner|seinen|ihre|ihrer|ihren|dies|diese|dieser|dieses|"
        r"denn|doch|aber|und|oder|sondern|jedoch|allerdings|außerdem|zudem|ebenso|dabei|daher|deshalb|deswegen|"
        r"darum|dennoch|trotzdem|somit|also|stattdessen|dort|damals|dazu|darüber|hierzu|hingegen|dagegen|"
        r"ebenfalls|gleichzeitig|zugleich|immerhin|schließlich"
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
