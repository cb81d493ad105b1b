"""The one exception type for user mistakes.

A `UserError` is raised for anything the user can fix (a missing file, a malformed row, an unknown
label or config key). The CLI catches it, prints its one-line message and exits with code 2, with no
traceback. Library code raises it with a message naming the file, row or field and what was expected.
Programming errors keep their ordinary exception types (ValueError for bad arguments, as torch does).
"""


class UserError(Exception):
    """A mistake in the user's input; `str(err)` is the one line shown to them."""

    exit_code = 2
