"""Reading numbers from a request: ids, versions and submission numbers, bounded at the edge."""


def whole_number(text):
    """A posted or queried whole number: digits 0 to 9 only, and few enough of them for a
    database id; None for anything else."""
    text = text or ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
