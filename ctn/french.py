"""French wording of dates and ordinals as the committee writes them.

The documents of record are rendered in French (translation.override("fr")) and read these
words as the committee writes them. The interface shown in English reads the English forms
("18th", "1 October 2019"): ordinals and days follow the active language.
"""

from django.conf import settings
from django.db import models
from django.utils.dates import MONTHS
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _


def _english():
    return (get_language() or settings.LANGUAGE_CODE).startswith("en")


def english_ordinal(number):
    """ "1st", "2nd", "3rd", "11th", "18th", "21st"."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def ordinal(number, feminine=True):
    """ "18ème", and "1ère" for the first session (the committee's usage); "18th" in English."""
    if _english():
        return english_ordinal(number)
    return _french_ordinal(number, feminine)


def _french_ordinal(number, feminine=True):
    if number == 1:
        return "1ère" if feminine else "1er"
    return f"{number}{settings.CTN_ORDINAL_SUFFIX}"


def day(value):
    """ "1er" for the first of the month in French, the number otherwise."""
    return "1er" if value.day == 1 and not _english() else str(value.day)


def month(value):
    """ "septembre" (French months take no capital); "September" in English."""
    name = str(MONTHS[value.month])
    return name if _english() else name.lower()


def long_date(value):
    """ "28 septembre 2019", "1er octobre 2019"; "1 October 2019" in English."""
    return f"{day(value)} {month(value)} {value.year}"


def date_span(start, end=None):
    """The French span of a session's dates.

    "le 5 mars 2020"; "les 26, 27 et 28 septembre 2019" for up to three days in one month;
    "du 30 septembre au 2 octobre 2019" across months; years repeated across years.
    """
    if end is None or end == start:
        return _("on %(date)s") % {"date": long_date(start)}
    span_days = (end - start).days + 1
    if start.year == end.year and start.month == end.month and span_days <= 3:
        days = [str(start.day + offset) for offset in range(span_days)]
        days[0] = day(start)
        listed = _("%(first)s and %(last)s") % {"first": ", ".join(days[:-1]), "last": days[-1]}
        return pgettext("several days", "on %(days)s %(month)s %(year)s") % {
            "days": listed,
            "month": month(start),
            "year": start.year,
        }
    if start.year == end.year:
        first = f"{day(start)} {month(start)}" if start.month != end.month else day(start)
    else:
        first = long_date(start)
    return _("from %(start)s to %(end)s") % {"start": first, "end": long_date(end)}


def guillemets(text):
    """French typography: no line break inside « »: the spaces they hold become no-break."""
    text = str(text)
    text = text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    return text


def capfirst_text(text):
    """The first letter in upper case (a speaker label that starts a paragraph)."""
    text = str(text)
    return text[:1].upper() + text[1:]


class Article(models.TextChoices):
    LE = "le", gettext_lazy("le (masculine)")
    LA = "la", gettext_lazy("la (feminine)")
    L_MASCULINE = "l", gettext_lazy("l' (masculine, before a vowel)")
    L_FEMININE = "lf", gettext_lazy("l' (feminine, before a vowel)")


class Presidency(models.TextChoices):
    COCHAIRS = "cochairs", gettext_lazy("co-chairs (coprésidée par, Les co-présidents)")
    PRESIDENT = "president", gettext_lazy("one president (présidée par, Le Président)")


class Numbering(models.TextChoices):
    CONTINUOUS = "continuous", gettext_lazy("continuous (18ème session ordinaire)")
    YEARLY = "yearly", gettext_lazy("per year (1ère session ordinaire de l'année 2024)")
    NONE = "none", gettext_lazy("none (réunion du 12 mars 2015)")


class DocumentTitle(models.TextChoices):
    MINUTES = "minutes", "Compte rendu"
    RECORD = "record", "Procès-verbal"


class MeetingNoun(models.TextChoices):
    SESSION = "session", "session"
    MEETING = "meeting", "réunion"


KIND_WORDS = {"ordinary": "ordinaire", "extraordinary": "extraordinaire"}
# Read at every session's name: a dict, where MeetingNoun.values builds a list at each call.
NOUN_WORDS = dict(MeetingNoun.choices)


def with_article(name, article, of=False):
    """French article before a committee's name: "le Comité", "du Comité", "de la
    Commission", "de l'Assemblée" (the committee's words, not translated)."""
    if article in (Article.L_MASCULINE, Article.L_FEMININE):
        return f"{'de ' if of else ''}l’{name}"
    if article == Article.LA:
        return f"{'de ' if of else ''}la {name}"
    return f"{'du' if of else 'le'} {name}"


ENGLISH_KIND_WORDS = {"ordinary": "ordinary", "extraordinary": "extraordinary"}
ENGLISH_NOUNS = {"session": "session", "meeting": "meeting"}
ENGLISH_DOCUMENT_TITLES = {"minutes": "Minutes", "record": "Record of proceedings"}


def designation(*, number, kind, noun, numbering, start_date):
    """How the committee names one of its sessions: "18ème session ordinaire" in its documents
    (rendered in French); "18th ordinary session" for the interface in English."""
    if _english():
        return _english_designation(number, kind, noun, numbering, start_date)
    return _designation(number, kind, noun, numbering, start_date)


def _english_designation(number, kind, noun, numbering, start_date):
    noun_word = ENGLISH_NOUNS.get(noun, noun)
    kind_word = ENGLISH_KIND_WORDS.get(kind, kind)
    if numbering == Numbering.NONE:
        qualifier = "" if kind == "ordinary" else f"{kind_word} "
        return f"{qualifier}{noun_word} of {long_date(start_date)}"
    text = f"{english_ordinal(number)} {kind_word} {noun_word}"
    if numbering == Numbering.YEARLY:
        text += f" of {start_date.year}"
    return text


def document_title(title, session_designation, committee_name, of_named):
    """ "Compte rendu de la 18ème session ordinaire du Comité Technique National"; in English
    "Minutes of the 18th ordinary session of the Comité Technique National"."""
    if _english():
        english = ENGLISH_DOCUMENT_TITLES.get(title, title)
        return f"{english} of the {session_designation} of the {committee_name}"
    return f"{DocumentTitle(title).label} de la {session_designation} {of_named}"


def _designation(number, kind, noun, numbering, start_date):
    noun_word = NOUN_WORDS.get(noun, noun)
    kind_word = KIND_WORDS.get(kind, kind)
    if numbering == Numbering.NONE:
        qualifier = "" if kind == "ordinary" else f" {kind_word}"
        return f"{noun_word}{qualifier} du {long_date(start_date)}"
    text = f"{_french_ordinal(number)} {noun_word} {kind_word}"
    if numbering == Numbering.YEARLY:
        text += f" de l’année {start_date.year}"
    return text
