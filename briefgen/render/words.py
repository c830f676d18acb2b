"""A briefing's own words in its language: headings, labels, counts and dates.

The fixed strings of a briefing (headings, "Sources", "As of", the counts line, the chart's
caption, the notes under its header…) come from :data:`WORDS`, one small table per language; dates and month names come from
the CLDR through Babel (``format_date``, ``format_skeleton``), so "12 December 2022" is
"12. Dezember 2022" in German and "12 de diciembre de 2022" in Spanish. English keeps exactly the
forms briefgen has always written ("7 February 2025", "10 Feb"), so English briefings do not change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

#: The fixed words of a briefing in each language, by key. A key missing from a language falls back
#: to English; ``{}`` fields are filled with ``str.format``.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "bottom_line": "Bottom line",
        "key_points": "Key points",
        "why_it_matters": "Why it matters",
        "by_the_numbers": "By the numbers",
        "key_players": "Key players",
        "whats_next": "What's next",
        "top_stories": "Top stories",
        "as_of": "As of {date}",
        "prepared_for": "Prepared for {client}",
        "window": "{days}-day window from {start} to {end}",
        "audience": "audience: {name}",
        "read": "{n} article read|{n} articles read",
        "used": "{n} used",
        "in_stories": "in {n} story|in {n} stories",
        "quoted": "{n} quoted",
        "articles": "{n} article|{n} articles",
        "outlets": "{n} outlet|{n} outlets",
        "developing": "developing",
        "undated": "undated",
        "not_before": "not before {date}",
        "preview": "Preview, written before {date}.",
        "analysts_note": "Analyst's note",
        "sources": "Sources",
        "also_reported_by": "Also reported by",
        "and_more": "and {n} more",
        "outlet_not_named": "an outlet not named",
        "footer": "Every sentence above is quoted verbatim from the numbered source it cites.",
        "coverage_week": "Coverage this week",
        "coverage_day": "Coverage, {date}",
        "coverage_days": "Coverage, {days} days to {date}",
        "articles_per": "Articles used per {unit}:",
        "day": "day",
        "week": "week",
        "month": "month",
        "year": "year",
        "plus_undated": "+{n} undated",
        "player": "{name} ({n} article)|{name} ({n} articles)",
        "in_language": "in {language}",
        "kicker": "Briefing",
        "meta_description": "{title}: briefing as of {date}, {days}-day window, {audience} edition",
        "short_window": "{days}-day window from {start}",
        "chart_caption": "Articles used per {unit}, {start} to {end}",
        "chart_title": "Articles per {unit}, {start} to {end}",
        "text_chart": "articles used per {unit}",
        "other_outlets": "{n} other outlet|{n} other outlets",
        "evidence": "Evidence",
        "evidence_intro": "Each source as it was read and cleaned, every quoted sentence marked: a citation [n] leads to its sentence here, and ↩ leads back. Long sources show the quoted paragraphs and their neighbours.",
        "quoted_passages": "Quoted passages",
        "not_shown": "[{n} paragraph not shown]|[{n} paragraphs not shown]",
        "full_text": "Full cleaned text:",
        "original_title": "The sentence in the original article",
        "back_title": "Back to the citation",
        "read_on_web": "Read this briefing on the web",
        "notice_read": "Read the briefing: {link}",
        "notice_attached": "The briefing is attached as a PDF.",
        "sent_to": "Sent to {address}.",
        "unsubscribe": "Unsubscribe",
        "subject": "{title} — week of {as_of}",
        "page_of": "Page {page} of {pages}",
        "new_since": "New since the briefing of {date}: {dated}; what it quoted is not repeated, and {then}.",
        "new_dated": "{n} of the {used} articles used is dated after it|{n} of the {used} articles used are dated after it",
        "new_developing": "top stories continuing from it are marked developing",
        "new_lead": "key points lead with what is new",
        "nothing_new": "Nothing new was found since the briefing of {date}: no article used is dated after it, and what it quoted is not repeated.",
        "all_undated": "The one article used states no date, so this briefing cannot show that it is from {window}.|None of the {n} articles used states its date, so this briefing cannot show that they are from {window}.",
        "window_day": "{date}",
        "window_days": "the {n} days to {date}",
    },
    "de": {
        "bottom_line": "Das Wichtigste",
        "key_points": "Kernpunkte",
        "why_it_matters": "Warum es wichtig ist",
        "by_the_numbers": "In Zahlen",
        "key_players": "Die wichtigsten Akteure",
        "whats_next": "Wie es weitergeht",
        "top_stories": "Top-Themen",
        "as_of": "Stand: {date}",
        "prepared_for": "Erstellt für {client}",
        "window": "Zeitraum von {days} Tagen, {start} bis {end}",
        "audience": "Zielgruppe: {name}",
        "read": "{n} Artikel gelesen|{n} Artikel gelesen",
        "used": "{n} verwendet",
        "in_stories": "in {n} Thema|in {n} Themen",
        "quoted": "{n} zitiert",
        "articles": "{n} Artikel|{n} Artikel",
        "outlets": "{n} Medium|{n} Medien",
        "developing": "wird fortgesetzt",
        "undated": "undatiert",
        "not_before": "nicht vor dem {date}",
        "preview": "Vorschau, geschrieben vor dem {date}.",
        "analysts_note": "Anmerkung der Redaktion",
        "sources": "Quellen",
        "also_reported_by": "Ebenfalls berichtet von",
        "and_more": "und {n} weitere",
        "outlet_not_named": "ein nicht genanntes Medium",
        "footer": "Jeder Satz oben ist wörtlich aus der nummerierten Quelle zitiert, die er angibt.",
        "coverage_week": "Berichterstattung diese Woche",
        "coverage_day": "Berichterstattung, {date}",
        "coverage_days": "Berichterstattung, {days} Tage bis {date}",
        "articles_per": "Verwendete Artikel pro {unit}:",
        "day": "Tag",
        "week": "Woche",
        "month": "Monat",
        "year": "Jahr",
        "plus_undated": "+{n} undatiert",
        "player": "{name} ({n} Artikel)|{name} ({n} Artikel)",
        "in_language": "auf {language}",
        "kicker": "Briefing",
        "meta_description": "{title}: Briefing, Stand {date}, Zeitraum von {days} Tagen, Ausgabe {audience}",
        "short_window": "Zeitraum von {days} Tagen ab {start}",
        "chart_caption": "Verwendete Artikel pro {unit}, {start} bis {end}",
        "chart_title": "Artikel pro {unit}, {start} bis {end}",
        "text_chart": "verwendete Artikel pro {unit}",
        "other_outlets": "{n} weiteres Medium|{n} weitere Medien",
        "evidence": "Belege",
        "evidence_intro": "Jede Quelle so, wie sie gelesen und bereinigt wurde, jeder zitierte Satz markiert: ein Verweis [n] führt zu seinem Satz hier, und ↩ führt zurück. Lange Quellen zeigen die zitierten Absätze und ihre Nachbarn.",
        "quoted_passages": "Zitierte Stellen",
        "not_shown": "[{n} Absatz nicht gezeigt]|[{n} Absätze nicht gezeigt]",
        "full_text": "Vollständiger bereinigter Text:",
        "original_title": "Der Satz im Originalartikel",
        "back_title": "Zurück zum Verweis",
        "read_on_web": "Dieses Briefing im Web lesen",
        "notice_read": "Briefing lesen: {link}",
        "notice_attached": "Das Briefing ist als PDF angehängt.",
        "sent_to": "Gesendet an {address}.",
        "unsubscribe": "Abbestellen",
        "subject": "{title} — Woche bis {as_of}",
        "page_of": "Seite {page} von {pages}",
        "new_since": "Neu seit dem Briefing vom {date}: {dated}; was es zitierte, wird nicht wiederholt, und {then}.",
        "new_dated": "{n} von {used} verwendeten Artikeln ist später datiert|{n} von {used} verwendeten Artikeln sind später datiert",
        "new_developing": "Top-Themen, die daran anschließen, sind mit „wird fortgesetzt“ markiert",
        "new_lead": "die Kernpunkte beginnen mit dem Neuen",
        "nothing_new": "Seit dem Briefing vom {date} wurde nichts Neues gefunden: Kein verwendeter Artikel ist später datiert, und was es zitierte, wird nicht wiederholt.",
        "all_undated": "Der eine verwendete Artikel nennt kein Datum, daher kann dieses Briefing nicht zeigen, dass er {window} stammt.|Keiner der {n} verwendeten Artikel nennt sein Datum, daher kann dieses Briefing nicht zeigen, dass sie {window} stammen.",
        "window_day": "vom {date}",
        "window_days": "aus den {n} Tagen bis zum {date}",
    },
    "fr": {
        "bottom_line": "L'essentiel",
        "key_points": "Points clés",
        "why_it_matters": "Pourquoi c'est important",
        "by_the_numbers": "En chiffres",
        "key_players": "Acteurs clés",
        "whats_next": "La suite",
        "top_stories": "À la une",
        "as_of": "Au {date}",
        "prepared_for": "Préparé pour {client}",
        "window": "période de {days} jours du {start} au {end}",
        "audience": "public : {name}",
        "read": "{n} article lu|{n} articles lus",
        "used": "{n} utilisés",
        "in_stories": "en {n} sujet|en {n} sujets",
        "quoted": "{n} cités",
        "articles": "{n} article|{n} articles",
        "outlets": "{n} média|{n} médias",
        "developing": "en cours",
        "undated": "non daté",
        "not_before": "pas avant le {date}",
        "preview": "Annonce, écrite avant le {date}.",
        "analysts_note": "Note de l'analyste",
        "sources": "Sources",
        "also_reported_by": "Également rapporté par",
        "and_more": "et {n} autres",
        "outlet_not_named": "un média non nommé",
        "footer": "Chaque phrase ci-dessus est citée mot pour mot de la source numérotée qu'elle indique.",
        "coverage_week": "Couverture cette semaine",
        "coverage_day": "Couverture, {date}",
        "coverage_days": "Couverture, {days} jours jusqu'au {date}",
        "articles_per": "Articles utilisés par {unit} :",
        "day": "jour",
        "week": "semaine",
        "month": "mois",
        "year": "année",
        "plus_undated": "+{n} non datés",
        "player": "{name} ({n} article)|{name} ({n} articles)",
        "in_language": "en {language}",
        "kicker": "Note",
        "meta_description": "{title} : note au {date}, période de {days} jours, édition {audience}",
        "short_window": "période de {days} jours à partir du {start}",
        "chart_caption": "Articles utilisés par {unit}, du {start} au {end}",
        "chart_title": "Articles par {unit}, du {start} au {end}",
        "text_chart": "articles utilisés par {unit}",
        "other_outlets": "{n} autre média|{n} autres médias",
        "evidence": "Preuves",
        "evidence_intro": "Chaque source telle qu'elle a été lue et nettoyée, chaque phrase citée marquée : un renvoi [n] mène à sa phrase ici, et ↩ ramène. Les longues sources montrent les paragraphes cités et leurs voisins.",
        "quoted_passages": "Passages cités",
        "not_shown": "[{n} paragraphe non affiché]|[{n} paragraphes non affichés]",
        "full_text": "Texte nettoyé complet :",
        "original_title": "La phrase dans l'article d'origine",
        "back_title": "Retour au renvoi",
        "read_on_web": "Lire cette note sur le web",
        "notice_read": "Lire la note : {link}",
        "notice_attached": "La note est jointe en PDF.",
        "sent_to": "Envoyé à {address}.",
        "unsubscribe": "Se désabonner",
        "subject": "{title} — semaine au {as_of}",
        "page_of": "Page {page} sur {pages}",
        "new_since": "Nouveau depuis la note du {date} : {dated} ; ce qu'elle citait n'est pas répété, et {then}.",
        "new_dated": "{n} des {used} articles utilisés est postérieur à celle-ci|{n} des {used} articles utilisés sont postérieurs à celle-ci",
        "new_developing": "les sujets à la une qui la prolongent sont marqués « en cours »",
        "new_lead": "les points clés commencent par ce qui est nouveau",
        "nothing_new": "Rien de nouveau depuis la note du {date} : aucun article utilisé n'est postérieur à celle-ci, et ce qu'elle citait n'est pas répété.",
        "all_undated": "Le seul article utilisé n'indique pas de date : cette note ne peut donc pas montrer qu'il date {window}.|Aucun des {n} articles utilisés n'indique sa date : cette note ne peut donc pas montrer qu'ils datent {window}.",
        "window_day": "du {date}",
        "window_days": "des {n} jours jusqu'au {date}",
    },
    "es": {
        "bottom_line": "Lo esencial",
        "key_points": "Puntos clave",
        "why_it_matters": "Por qué importa",
        "by_the_numbers": "En cifras",
        "key_players": "Actores clave",
        "whats_next": "Qué sigue",
        "top_stories": "Temas principales",
        "as_of": "A {date}",
        "prepared_for": "Preparado para {client}",
        "window": "periodo de {days} días del {start} al {end}",
        "audience": "público: {name}",
        "read": "{n} artículo leído|{n} artículos leídos",
        "used": "{n} usados",
        "in_stories": "en {n} tema|en {n} temas",
        "quoted": "{n} citados",
        "articles": "{n} artículo|{n} artículos",
        "outlets": "{n} medio|{n} medios",
        "developing": "en desarrollo",
        "undated": "sin fecha",
        "not_before": "no antes del {date}",
        "preview": "Avance, escrito antes del {date}.",
        "analysts_note": "Nota del analista",
        "sources": "Fuentes",
        "also_reported_by": "También informaron",
        "and_more": "y {n} más",
        "outlet_not_named": "un medio sin nombre",
        "footer": "Cada frase de arriba se cita textualmente de la fuente numerada que indica.",
        "coverage_week": "Cobertura esta semana",
        "coverage_day": "Cobertura, {date}",
        "coverage_days": "Cobertura, {days} días hasta el {date}",
        "articles_per": "Artículos usados por {unit}:",
        "day": "día",
        "week": "semana",
        "month": "mes",
        "year": "año",
        "plus_undated": "+{n} sin fecha",
        "player": "{name} ({n} artículo)|{name} ({n} artículos)",
        "in_language": "en {language}",
        "kicker": "Informe",
        "meta_description": "{title}: informe a {date}, periodo de {days} días, edición {audience}",
        "short_window": "periodo de {days} días desde el {start}",
        "chart_caption": "Artículos usados por {unit}, del {start} al {end}",
        "chart_title": "Artículos por {unit}, del {start} al {end}",
        "text_chart": "artículos usados por {unit}",
        "other_outlets": "{n} medio más|{n} medios más",
        "evidence": "Pruebas",
        "evidence_intro": "Cada fuente tal como se leyó y limpió, con cada frase citada marcada: una referencia [n] lleva a su frase aquí, y ↩ vuelve. Las fuentes largas muestran los párrafos citados y sus vecinos.",
        "quoted_passages": "Pasajes citados",
        "not_shown": "[{n} párrafo no mostrado]|[{n} párrafos no mostrados]",
        "full_text": "Texto limpio completo:",
        "original_title": "La frase en el artículo original",
        "back_title": "Volver a la referencia",
        "read_on_web": "Leer este informe en la web",
        "notice_read": "Leer el informe: {link}",
        "notice_attached": "El informe va adjunto en PDF.",
        "sent_to": "Enviado a {address}.",
        "unsubscribe": "Darse de baja",
        "subject": "{title} — semana al {as_of}",
        "page_of": "Página {page} de {pages}",
        "new_since": "Novedades desde el informe del {date}: {dated}; lo que citó no se repite, y {then}.",
        "new_dated": "{n} de los {used} artículos usados tiene fecha posterior|{n} de los {used} artículos usados tienen fecha posterior",
        "new_developing": "los temas principales que lo continúan se marcan «en desarrollo»",
        "new_lead": "los puntos clave empiezan por lo nuevo",
        "nothing_new": "No se encontró nada nuevo desde el informe del {date}: ningún artículo usado tiene fecha posterior, y lo que citó no se repite.",
        "all_undated": "El único artículo usado no indica su fecha, así que este informe no puede mostrar que sea {window}.|Ninguno de los {n} artículos usados indica su fecha, así que este informe no puede mostrar que sean {window}.",
        "window_day": "del {date}",
        "window_days": "de los {n} días hasta el {date}",
    },
    "it": {
        "bottom_line": "In sintesi",
        "key_points": "Punti chiave",
        "why_it_matters": "Perché è importante",
        "by_the_numbers": "In cifre",
        "key_players": "Protagonisti",
        "whats_next": "Prossimi passi",
        "top_stories": "Notizie principali",
        "as_of": "Al {date}",
        "prepared_for": "Preparato per {client}",
        "window": "periodo di {days} giorni dal {start} al {end}",
        "audience": "pubblico: {name}",
        "read": "{n} articolo letto|{n} articoli letti",
        "used": "{n} usati",
        "in_stories": "in {n} notizia|in {n} notizie",
        "quoted": "{n} citati",
        "articles": "{n} articolo|{n} articoli",
        "outlets": "{n} testata|{n} testate",
        "developing": "in evoluzione",
        "undated": "senza data",
        "not_before": "non prima del {date}",
        "preview": "Anticipazione, scritta prima del {date}.",
        "analysts_note": "Nota dell'analista",
        "sources": "Fonti",
        "also_reported_by": "Riportato anche da",
        "and_more": "e altri {n}",
        "outlet_not_named": "una testata non nominata",
        "footer": "Ogni frase qui sopra è citata alla lettera dalla fonte numerata che indica.",
        "coverage_week": "Copertura questa settimana",
        "coverage_day": "Copertura, {date}",
        "coverage_days": "Copertura, {days} giorni fino al {date}",
        "articles_per": "Articoli usati per {unit}:",
        "day": "giorno",
        "week": "settimana",
        "month": "mese",
        "year": "anno",
        "plus_undated": "+{n} senza data",
        "player": "{name} ({n} articolo)|{name} ({n} articoli)",
        "in_language": "in {language}",
        "kicker": "Briefing",
        "meta_description": "{title}: briefing al {date}, periodo di {days} giorni, edizione {audience}",
        "short_window": "periodo di {days} giorni dal {start}",
        "chart_caption": "Articoli usati per {unit}, dal {start} al {end}",
        "chart_title": "Articoli per {unit}, dal {start} al {end}",
        "text_chart": "articoli usati per {unit}",
        "other_outlets": "{n} altra testata|{n} altre testate",
        "evidence": "Riscontri",
        "evidence_intro": "Ogni fonte come è stata letta e ripulita, ogni frase citata evidenziata: un rimando [n] porta alla sua frase qui, e ↩ riporta indietro. Le fonti lunghe mostrano i paragrafi citati e i loro vicini.",
        "quoted_passages": "Passi citati",
        "not_shown": "[{n} paragrafo non mostrato]|[{n} paragrafi non mostrati]",
        "full_text": "Testo ripulito completo:",
        "original_title": "La frase nell'articolo originale",
        "back_title": "Torna al rimando",
        "read_on_web": "Leggi questo briefing sul web",
        "notice_read": "Leggi il briefing: {link}",
        "notice_attached": "Il briefing è allegato in PDF.",
        "sent_to": "Inviato a {address}.",
        "unsubscribe": "Annulla l'iscrizione",
        "subject": "{title} — settimana al {as_of}",
        "page_of": "Pagina {page} di {pages}",
        "new_since": "Novità dal briefing del {date}: {dated}; ciò che citava non viene ripetuto, e {then}.",
        "new_dated": "{n} dei {used} articoli usati è successivo|{n} dei {used} articoli usati sono successivi",
        "new_developing": "le notizie principali che lo proseguono sono segnate «in evoluzione»",
        "new_lead": "i punti chiave iniziano dalle novità",
        "nothing_new": "Nessuna novità dal briefing del {date}: nessun articolo usato è successivo, e ciò che citava non viene ripetuto.",
        "all_undated": "L'unico articolo usato non indica la data, quindi questo briefing non può mostrare che sia {window}.|Nessuno dei {n} articoli usati indica la propria data, quindi questo briefing non può mostrare che siano {window}.",
        "window_day": "del {date}",
        "window_days": "dei {n} giorni fino al {date}",
    },
    "nl": {
        "bottom_line": "De kern",
        "key_points": "Hoofdpunten",
        "why_it_matters": "Waarom het ertoe doet",
        "by_the_numbers": "In cijfers",
        "key_players": "Hoofdrolspelers",
        "whats_next": "Wat komt er",
        "top_stories": "Belangrijkste onderwerpen",
        "as_of": "Stand {date}",
        "prepared_for": "Opgesteld voor {client}",
        "window": "periode van {days} dagen van {start} tot {end}",
        "audience": "publiek: {name}",
        "read": "{n} artikel gelezen|{n} artikelen gelezen",
        "used": "{n} gebruikt",
        "in_stories": "in {n} onderwerp|in {n} onderwerpen",
        "quoted": "{n} geciteerd",
        "articles": "{n} artikel|{n} artikelen",
        "outlets": "{n} medium|{n} media",
        "developing": "in ontwikkeling",
        "undated": "zonder datum",
        "not_before": "niet vóór {date}",
        "preview": "Vooruitblik, geschreven vóór {date}.",
        "analysts_note": "Noot van de analist",
        "sources": "Bronnen",
        "also_reported_by": "Ook gemeld door",
        "and_more": "en {n} meer",
        "outlet_not_named": "een niet genoemd medium",
        "footer": "Elke zin hierboven is letterlijk geciteerd uit de genummerde bron die hij vermeldt.",
        "coverage_week": "Berichtgeving deze week",
        "coverage_day": "Berichtgeving, {date}",
        "coverage_days": "Berichtgeving, {days} dagen tot {date}",
        "articles_per": "Gebruikte artikelen per {unit}:",
        "day": "dag",
        "week": "week",
        "month": "maand",
        "year": "jaar",
        "plus_undated": "+{n} zonder datum",
        "player": "{name} ({n} artikel)|{name} ({n} artikelen)",
        "in_language": "in het {language}",
        "kicker": "Briefing",
        "meta_description": "{title}: briefing per {date}, periode van {days} dagen, editie {audience}",
        "short_window": "periode van {days} dagen vanaf {start}",
        "chart_caption": "Gebruikte artikelen per {unit}, {start} tot {end}",
        "chart_title": "Artikelen per {unit}, {start} tot {end}",
        "text_chart": "gebruikte artikelen per {unit}",
        "other_outlets": "{n} ander medium|{n} andere media",
        "evidence": "Bewijs",
        "evidence_intro": "Elke bron zoals die gelezen en opgeschoond is, elke geciteerde zin gemarkeerd: een verwijzing [n] leidt naar de zin hier, en ↩ leidt terug. Lange bronnen tonen de geciteerde alinea's en hun buren.",
        "quoted_passages": "Geciteerde passages",
        "not_shown": "[{n} alinea niet getoond]|[{n} alinea's niet getoond]",
        "full_text": "Volledige opgeschoonde tekst:",
        "original_title": "De zin in het oorspronkelijke artikel",
        "back_title": "Terug naar de verwijzing",
        "read_on_web": "Lees deze briefing op het web",
        "notice_read": "Lees de briefing: {link}",
        "notice_attached": "De briefing is als pdf bijgevoegd.",
        "sent_to": "Verzonden aan {address}.",
        "unsubscribe": "Afmelden",
        "subject": "{title} — week tot {as_of}",
        "page_of": "Pagina {page} van {pages}",
        "new_since": "Nieuw sinds de briefing van {date}: {dated}; wat die citeerde, wordt niet herhaald, en {then}.",
        "new_dated": "{n} van de {used} gebruikte artikelen is van later|{n} van de {used} gebruikte artikelen zijn van later",
        "new_developing": "belangrijkste onderwerpen die erop voortbouwen, zijn gemarkeerd als ‘in ontwikkeling’",
        "new_lead": "de hoofdpunten beginnen met wat nieuw is",
        "nothing_new": "Niets nieuws gevonden sinds de briefing van {date}: geen gebruikt artikel is van later, en wat die citeerde, wordt niet herhaald.",
        "all_undated": "Het ene gebruikte artikel vermeldt geen datum, dus deze briefing kan niet laten zien dat het {window} stamt.|Geen van de {n} gebruikte artikelen vermeldt zijn datum, dus deze briefing kan niet laten zien dat ze {window} stammen.",
        "window_day": "van {date}",
        "window_days": "uit de {n} dagen tot {date}",
    },
    "pt": {
        "bottom_line": "O essencial",
        "key_points": "Pontos-chave",
        "why_it_matters": "Por que importa",
        "by_the_numbers": "Em números",
        "key_players": "Protagonistas",
        "whats_next": "O que vem a seguir",
        "top_stories": "Principais temas",
        "as_of": "Em {date}",
        "prepared_for": "Preparado para {client}",
        "window": "período de {days} dias de {start} a {end}",
        "audience": "público: {name}",
        "read": "{n} artigo lido|{n} artigos lidos",
        "used": "{n} usados",
        "in_stories": "em {n} tema|em {n} temas",
        "quoted": "{n} citados",
        "articles": "{n} artigo|{n} artigos",
        "outlets": "{n} veículo|{n} veículos",
        "developing": "em desenvolvimento",
        "undated": "sem data",
        "not_before": "não antes de {date}",
        "preview": "Prévia, escrita antes de {date}.",
        "analysts_note": "Nota do analista",
        "sources": "Fontes",
        "also_reported_by": "Também noticiado por",
        "and_more": "e mais {n}",
        "outlet_not_named": "um veículo não identificado",
        "footer": "Cada frase acima é citada literalmente da fonte numerada que indica.",
        "coverage_week": "Cobertura nesta semana",
        "coverage_day": "Cobertura, {date}",
        "coverage_days": "Cobertura, {days} dias até {date}",
        "articles_per": "Artigos usados por {unit}:",
        "day": "dia",
        "week": "semana",
        "month": "mês",
        "year": "ano",
        "plus_undated": "+{n} sem data",
        "player": "{name} ({n} artigo)|{name} ({n} artigos)",
        "in_language": "em {language}",
        "kicker": "Briefing",
        "meta_description": "{title}: briefing em {date}, período de {days} dias, edição {audience}",
        "short_window": "período de {days} dias a partir de {start}",
        "chart_caption": "Artigos usados por {unit}, de {start} a {end}",
        "chart_title": "Artigos por {unit}, de {start} a {end}",
        "text_chart": "artigos usados por {unit}",
        "other_outlets": "{n} outro veículo|{n} outros veículos",
        "evidence": "Evidências",
        "evidence_intro": "Cada fonte como foi lida e limpa, cada frase citada marcada: uma referência [n] leva à sua frase aqui, e ↩ volta. Fontes longas mostram os parágrafos citados e seus vizinhos.",
        "quoted_passages": "Trechos citados",
        "not_shown": "[{n} parágrafo não mostrado]|[{n} parágrafos não mostrados]",
        "full_text": "Texto limpo completo:",
        "original_title": "A frase no artigo original",
        "back_title": "Voltar à referência",
        "read_on_web": "Ler este briefing na web",
        "notice_read": "Ler o briefing: {link}",
        "notice_attached": "O briefing segue em anexo em PDF.",
        "sent_to": "Enviado para {address}.",
        "unsubscribe": "Cancelar inscrição",
        "subject": "{title} — semana até {as_of}",
        "page_of": "Página {page} de {pages}",
        "new_since": "Novo desde o briefing de {date}: {dated}; o que ele citou não é repetido, e {then}.",
        "new_dated": "{n} dos {used} artigos usados tem data posterior|{n} dos {used} artigos usados têm data posterior",
        "new_developing": "os principais temas que dão continuidade a ele estão marcados como “em desenvolvimento”",
        "new_lead": "os pontos-chave começam pelo que é novo",
        "nothing_new": "Nada de novo foi encontrado desde o briefing de {date}: nenhum artigo usado tem data posterior, e o que ele citou não é repetido.",
        "all_undated": "O único artigo usado não informa sua data, então este briefing não pode mostrar que ele é {window}.|Nenhum dos {n} artigos usados informa sua data, então este briefing não pode mostrar que eles são {window}.",
        "window_day": "de {date}",
        "window_days": "dos {n} dias até {date}",
    },
}


@dataclass(frozen=True)
class Words:
    """A briefing's words in one language."""

    language: str = "en"

    def __call__(self, key: str, n: int | None = None, **fields: object) -> str:
        """The words of ``key``, with ``fields`` filled in; ``n`` picks the singular or plural form
        ("one|other", as the CLDR's plural rules of the language say) and fills ``{n}``."""
        table = WORDS.get(self.language, WORDS["en"])
        text = table.get(key) or WORDS["en"][key]
        if "|" in text:
            one, other = text.split("|", 1)
            text = one if n is not None and _plural(n, self.language) == "one" else other
        if any(isinstance(v, Markup) for v in fields.values()):  # markup made for where it goes stays as it is
            return Markup(escape(text)).format(n=n, **fields)
        return text.format(n=n, **fields)

    def heading(self, section: str) -> str:
        """A section's heading: "Key points", "Kernpunkte"."""
        return self(section)

    def longdate(self, day: dt.date | None) -> str:
        """A date written out: "7 February 2025", "7. Februar 2025"; "" for none."""
        if day is None:
            return ""
        if self.language == "en":
            return f"{day.day} {day:%B %Y}"
        from babel.dates import format_date

        return str(format_date(day, "long", locale=self.language))

    def shortdate(self, day: dt.date | None, as_of: dt.date | None = None) -> str:
        """A date in a line of text, with the year only when it is not ``as_of``'s: "10 Feb", "10. Feb."."""
        if day is None:
            return ""
        same_year = as_of is not None and day.year == as_of.year
        if self.language == "en":
            return f"{day.day} {day:%b}" if same_year else f"{day.day} {day:%b %Y}"
        return skeleton("MMMd" if same_year else "yMMMd", day, self.language)

    def month(self, day: dt.date, short: bool = True) -> str:
        """A month's name: "Feb", "Feb."; written out when not ``short``."""
        if self.language == "en":
            return f"{day:%b}" if short else f"{day:%B}"
        return skeleton("MMM" if short else "MMMM", day, self.language)


@lru_cache(maxsize=1 << 12)
def skeleton(pattern: str, day: dt.date, language: str) -> str:
    """``day`` in the CLDR's form of a skeleton for ``language`` ("MMMd": "12. Dez.", "12 déc.")."""
    from babel.dates import format_skeleton

    return str(format_skeleton(pattern, day, locale=language))


def _plural(n: int, language: str) -> str:
    """The CLDR plural category of ``n`` in ``language`` ("one", "other", …)."""
    if language == "en":
        return "one" if n == 1 else "other"
    from babel import Locale

    return str(Locale.parse(language).plural_form(n))


def words(language: str | None) -> Words:
    """The words of a briefing in ``language`` (English when None)."""
    return Words(language or "en")


class LocalDate(dt.date):
    """A date whose ``strftime`` formats in ``format()`` (a subject template's ``{as_of:%d %B %Y}``)
    name months and days in a language: "12 Dezember 2022". Without a format, the ISO date."""

    language: str = "en"

    def __format__(self, spec: str) -> str:
        if self.language == "en" or not spec:
            return super().__format__(spec)
        from babel.dates import get_day_names, get_month_names

        names = {
            "%B": get_month_names("wide", locale=self.language)[self.month],
            "%b": get_month_names("abbreviated", locale=self.language)[self.month],
            "%A": get_day_names("wide", locale=self.language)[self.weekday()],
            "%a": get_day_names("abbreviated", locale=self.language)[self.weekday()],
        }
        out = []
        k = 0
        while k < len(spec):
            pair = spec[k : k + 2]
            if pair in names:
                out.append(str(names[pair]).replace("%", "%%"))
                k += 2
            elif pair == "%%" or (pair.startswith("%") and len(pair) == 2):
                out.append(pair)
                k += 2
            else:
                out.append(spec[k])
                k += 1
        return super().__format__("".join(out))


def local_date(day: dt.date, language: str | None) -> LocalDate:
    """``day`` as a :class:`LocalDate` of ``language``."""
    found = LocalDate(day.year, day.month, day.day)
    found.language = language or "en"
    return found


def subject_template(template: str, language: str | None) -> str:
    """A config's subject template in the briefing's language: the default one ("{title} — week of
    {as_of}") in its words; any other as the config writes it."""
    if template == WORDS["en"]["subject"]:
        return WORDS.get(language or "en", WORDS["en"])["subject"]
    return template


def quoted_in(text: str, language: str, accepted: tuple[str, ...]) -> str | None:
    """In a briefing that accepts quotations in several languages, what a quotation not in the
    briefing's own says of its language ("in German", "auf Englisch"); None otherwise. The language
    is the accepted one the quotation is likeliest in (py3langid's probabilities)."""
    from briefgen.analyse.language import language_name, probabilities

    if len(accepted) < 2:
        return None
    ranked = probabilities(text)
    best = max(accepted, key=lambda code: (ranked.get(code, 0.0), code == language))
    if best == language:
        return None
    return words(language)("in_language", language=language_name(best, language))
