"""French wording of dates and ordinals as the committee writes them."""

from django.conf import settings
from django.db import models
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext


def ordinal(number, feminine=True):
    """ "18ème", and "1ère" for the first session (the committee's usage)."""
    if number == 1:
        return "1ère" if feminine else "1er"
    return f"{number}{settings.CTN_ORDINAL_SUFFIX}"


def day(value):
    return "1er" if value.day == 1 else str(value.day)


def month(value):
    return str(MONTHS[value.month]).lower()


def long_date(value):
    """ "28 septembre 2019", "1er octobre 2019"."""
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


def with_article(name, article, of=False):
    """French article before a committee's name: "le Comité", "du Comité", "de la
    Commission", "de l'Assemblée" (the committee's words, not translated)."""
    if article in (Article.L_MASCULINE, Article.L_FEMININE):
        return f"{'de ' if of else ''}l’{name}"
    if article == Article.LA:
        return f"{'de ' if of else ''}la {name}"
    return f"{'du' if of else 'le'} {name}"


def designation(*, number, kind, noun, numbering, start_date):
    noun_word = MeetingNoun(noun).label if noun in MeetingNoun.values else noun
    kind_word = KIND_WORDS.get(kind, kind)
    if numbering == Numbering.NONE:
        qualifier = "" if kind == "ordinary" else f" {kind_word}"
        return f"{noun_word}{qualifier} du {long_date(start_date)}"
    text = f"{ordinal(number)} {noun_word} {kind_word}"
    if numbering == Numbering.YEARLY:
        text += f" de l’année {start_date.year}"
    return text
