"""The planning grid's month panels, written from Python: one `{% month_panel %}` per month.

The template engine spent ~40 tag and variable nodes on each checkbox (the page has ~250):
most of the planning page's time. This writes the same markup (same French words, classes,
ids and accessibility attributes that config/static/preau/planning.js, the CSS and
tests/e2e rely on) from format strings, every value escaped as the template escaped it:
`{{ }}` through conditional_escape; `{% translate "literal" %}` and blocktranslate's text
as they are (a template's literal is safe), only blocktranslate's variables escaped.
tests/booking/test_grid_markup.py renders the former template next to it and compares the
two, whitespace aside.
"""

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext

from booking.selectors.grid import day_label
from tenants.escaping import esc

register = template.Library()

WEEKDAY_BUTTONS = (
    "Tous les lundis",
    "Tous les mardis",
    "Tous les mercredis",
    "Tous les jeudis",
    "Tous les vendredis",
    "Tous les samedis",
    "Tous les dimanches",
)


class Words:
    """The panel's fixed words, translated once per page (as `{% translate "literal" %}`:
    not escaped)."""

    def __init__(self):
        t = gettext
        self.reserved = t("réservé")
        self.to_cancel = t("à annuler")
        self.held = t("en attente de paiement")
        self.state_word_reserved = (
            f'<span class="state-word" data-word-ticked="{self.reserved}" '
            f'data-word-unticked="{self.to_cancel}">'
        )
        self.join = t("Liste d'attente")
        self.leave_kept = t("Laisser la place")
        self.leave = t("Quitter la liste")
        self.weekdays = [t(label) for label in WEEKDAY_BUTTONS]
        self.all_days = t("Tous les jours")
        self.untick = t("Tout décocher")
        self.untick_many = t("Tout décocher (annule {n} repas payés)")
        self.untick_one = t("Tout décocher (annule 1 repas payé)")
        self.no_day = t("Aucun jour ouvert ce mois-ci.")
        self.cache = {}
        self.language = get_language()
        self.days = {}

    def text(self, value) -> str:
        """An escaped text that repeats over the page (labels, cut-off texts, reasons)."""
        try:
            return self.cache[value]
        except KeyError:
            escaped = self.cache[value] = esc(value)
            return escaped

    def day(self, day) -> str:
        """A day's escaped label ("lundi 4 janvier"), the language asked once per page."""
        try:
            return self.days[day]
        except KeyError:
            escaped = self.days[day] = esc(day_label(day, self.language))
            return escaped


def _words(context) -> Words:
    words = context.render_context.get("planning_grid_words")
    if words is None:
        words = context.render_context["planning_grid_words"] = Words()
    return words


def _waiting_button(cell, waiting_url, words) -> str:
    """booking/includes/waiting_button.html."""
    hidden = f'<span class="visually-hidden"> {words.day(cell.day)}</span>'
    if cell.waiting == "join":
        return (
            f'<button type="submit" class="link-button waiting-join" formaction="{waiting_url}" '
            f'formnovalidate name="join" value="{esc(cell.key)}">{words.join}{hidden}</button>'
        )
    if cell.waiting in ("in_line", "kept"):
        label = words.leave_kept if cell.waiting == "kept" else words.leave
        return (
            f'<button type="submit" class="link-button waiting-leave" formaction="{waiting_url}" '
            f'formnovalidate name="leave" value="{esc(cell.key)}">{label}{hidden}</button>'
        )
    return ""


def _day_cell(cell, waiting_url, words) -> str:
    key = esc(cell.key)
    text = words.text
    state = cell.state
    to_cancel = cell.to_cancel
    classes = f"day {esc(state)}"
    if cell.disabled:
        classes += " locked"
    if to_cancel:
        classes += " to-cancel"
    attributes = ""
    if cell.group:
        attributes += f' data-meal-day="{esc(cell.group)}"'
    if state == "reserved":
        attributes += " data-paid"
    if cell.checked:
        attributes += " checked"
    if cell.disabled:
        attributes += " disabled"
    if state == "reserved":
        said = words.state_word_reserved + (words.to_cancel if to_cancel else words.reserved)
        said += "</span>"
    elif state == "held":
        said = words.held
    else:
        said = ""
    if cell.reason:
        said += f" <strong>{text(cell.reason)}</strong>"
    if cell.note:
        said += f' <span class="meal-note">{text(cell.note)}</span>'
    if cell.deadline_text:
        said += f' <span class="deadline long">{text(cell.deadline_text)}</span>'
    if cell.deadline_short:
        said += f'<span class="deadline short">{text(cell.deadline_short)}</span>'
    button = _waiting_button(cell, waiting_url, words) if waiting_url and cell.waiting else ""
    return (
        f'<td class="{classes}">\n<label for="{key}">\n'
        f'<input type="checkbox" id="{key}" name="{key}" data-weekday="{cell.weekday}" '
        f'data-day="{cell.iso}"{attributes} aria-describedby="{key}-etat">\n'
        f'<span class="day-number">{cell.number}</span>\n'
        f'<span class="visually-hidden">{words.day(cell.day)}</span>\n</label>\n'
        f'<span class="day-state" id="{key}-etat">{said}</span>{button}\n</td>\n'
    )


def _other_cell(cell, words) -> str:
    if not cell:
        return '<td class="empty"></td>\n'
    number = getattr(cell, "number", "")  # a bare date (no rules given): no number, as before
    html = f'<td class="empty"><span class="day-number" aria-hidden="true">{esc(number)}</span>'
    off_words = getattr(cell, "words", "")
    if off_words:
        html += (
            f' <span class="day-state off-words"><span class="visually-hidden">'
            f"{words.day(cell.day)} : </span>{words.text(off_words)}</span>"
        )
    return html + "</td>\n"


def _shortcuts(planning, child_tab, kind_tab, month_tab, tab_id, words) -> str:
    prefix = f"{child_tab.child.pk}-{kind_tab.meal_kind.pk}-{tab_id}"
    button = '<button type="submit" class="button secondary small"'
    parts = ['<div class="shortcuts">\n']
    for weekday in month_tab.weekdays:
        label = words.weekdays[weekday] if 0 <= weekday <= 5 else words.weekdays[6]
        parts.append(
            f'{button} name="shortcut" value="{prefix}-{weekday}" '
            f'data-shortcut="{weekday}">{label}</button>\n'
        )
    parts.append(
        f'{button} name="shortcut" value="{prefix}-all" data-shortcut="all">'
        f"{words.all_days}</button>\n"
    )
    paid = month_tab.paid_to_cancel_if_unticked
    if paid == 0:
        untick = words.untick
    else:
        untick = ngettext(
            "Tout décocher (annule %(counter)s repas payé)",
            "Tout décocher (annule %(counter)s repas payés)",
            paid,
        ) % {"counter": paid}
    parts.append(
        f'{button} name="shortcut" value="{prefix}-none" data-untick '
        f'data-label-none="{words.untick}" data-label-one="{words.untick_one}" '
        f'data-label-many="{words.untick_many}">{untick}</button>\n'
    )
    for sibling in planning.children:
        if sibling.child.pk != child_tab.child.pk:
            name = gettext("Comme pour %(name)s") % {"name": esc(sibling.child.first_name)}
            parts.append(
                f'{button} name="copy" value="{prefix}-{sibling.child.pk}" '
                f'data-copy="enfant-{sibling.child.pk}-repas-{kind_tab.meal_kind.pk}-{tab_id}">'
                f"{name}</button>\n"
            )
    parts.append("</div>\n")
    return "".join(parts)


@register.simple_tag(takes_context=True)
def month_panel(context, planning, child_tab, kind_tab, month_tab, shortcut_buttons, waiting_url):
    """One month's <fieldset>: its legend, the shortcut buttons and the table of days."""
    words = _words(context)
    waiting_url = esc(waiting_url) if waiting_url else ""
    child, kind = child_tab.child, kind_tab.meal_kind
    tab_id = month_tab.tab_id
    parts = [
        f'<fieldset class="tab-panel month" id="enfant-{child.pk}-repas-{kind.pk}-{tab_id}">\n'
        f"<legend>{esc(kind.tab_label)} — {esc(child.first_name)} — "
        f"{esc(month_tab.label)}</legend>\n"
    ]
    if month_tab.cells:
        if shortcut_buttons:
            parts.append(_shortcuts(planning, child_tab, kind_tab, month_tab, tab_id, words))
        columns = "".join(f'<th scope="col">{esc(column)}</th>' for column in month_tab.columns)
        parts.append(f'<table class="month-grid">\n<thead><tr>{columns}</tr></thead>\n<tbody>\n')
        for week in month_tab.weeks:
            parts.append("<tr>\n")
            for cell in week:
                if getattr(cell, "key", None):
                    parts.append(_day_cell(cell, waiting_url, words))
                else:
                    parts.append(_other_cell(cell, words))
            parts.append("</tr>")
        parts.append("\n</tbody>\n</table>\n")
    else:
        parts.append(f"<p>{words.no_day}</p>\n")
    parts.append("</fieldset>")
    return SafeString("".join(parts))
