"""The parser's and the services' English messages, as staff read them: in the active language.

episodes/parsing has no Django, so its errors and warnings carry an English template marked with
N_() and the values it names; here is the one place that puts them through gettext.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext

from episodes.parsing.types import ParseWarning, Quantity, TranslatableError

Problem = TranslatableError | ParseWarning


def translated(problem: Problem) -> str:
    """The message in the active language, its values written as that language writes numbers."""
    template = gettext(problem.template)
    if not problem.params:
        return template
    return template % {name: _localized(value) for name, value in problem.params.items()}


def located(filename: str, problem: Problem) -> str:
    """`file:line: message`, or `file: message` when the line is not known, in the active language."""
    line = getattr(problem, "line", None)
    if line:
        return gettext("%(file)s:%(line)s: %(message)s") % {
            "file": filename,
            "line": line,
            "message": translated(problem),
        }
    return gettext("%(file)s: %(message)s") % {"file": filename, "message": translated(problem)}


def _localized(value: object) -> object:
    if isinstance(value, Quantity):
        # A plain int: Django reads the digits from str(), which for a Quantity is already grouped.
        return number_format(int(value), force_grouping=True)
    if isinstance(value, float):
        return number_format(value)
    return value
