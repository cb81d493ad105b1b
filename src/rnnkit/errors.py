"""The one exception type for user mistakes.

A `UserError` is raised for anything the user can fix (a missing file, a malformed row, an unknown
label or config key). The CLI catches it, prints its one-line message and exits with code 2, with no
traceback. Library code raises it with a message naming the file, row or field and what was expected.
Programming errors keep their ordinary exception types (ValueError for bad arguments, as torch does).
`did_you_mean` words the hint for a misspelt name (a command, an option, a task, a config key).
"""
from difflib import SequenceMatcher


class UserError(Exception):
    """A mistake in the user's input; `str(err)` is the one line shown to them."""

    exit_code = 2


def did_you_mean(word: str, choices, *, cutoff: float = 0.6, within: float = 0.1) -> str:
    """"; did you mean 'classify'?" for a misspelt name, the closest first and only the close ones: the
    choices at least `cutoff` alike (difflib's ratio) and within `within` of the best; "" when none is."""
    scored = sorted(((SequenceMatcher(None, word, c).ratio(), c) for c in dict.fromkeys(choices)),
                    key=lambda sc: -sc[0])
    close = [c for ratio, c in scored if ratio >= cutoff and ratio >= scored[0][0] - within][:3]
    return f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
