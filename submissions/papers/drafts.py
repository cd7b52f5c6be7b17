"""A paper being written: what was typed on each step, kept in the session until it is saved."""

from django.utils.datastructures import MultiValueDict

from .forms import draft_update, paper_data


class Draft:
    """The form data of one paper's steps ({name: [value]}), one draft per paper (or per new
    paper's organisation or system and round) in the person's session."""

    def __init__(self, session, paper):
        self.session, self.paper = session, paper
        if paper.pk:
            self.key = f"paper-draft:{paper.pk}"
        else:
            self.key = f"paper-draft:new:{paper.organisation_id}:{paper.system_id}:{paper.round_id}"

    def _stored(self):
        stored = self.session.get(self.key)
        if not isinstance(stored, dict) or not isinstance(stored.get("data"), dict):
            stored = {"data": paper_data(self.paper), "checked": bool(self.paper.pk)}
        return stored

    def _store(self, stored):
        self.session[self.key] = stored

    def start(self):
        """Start again from the paper as saved (a new paper: blank, with the defaults)."""
        self._store({"data": paper_data(self.paper), "checked": bool(self.paper.pk)})

    @property
    def data(self):
        return self._stored()["data"]

    def bound(self):
        return MultiValueDict(self.data)

    def update(self, step, data):
        stored = self._stored()
        self._store({**stored, "data": draft_update(stored["data"], step, data)})

    @property
    def checked(self):
        """Whether check your answers has been shown: "Continue" then goes back to it."""
        return bool(self._stored().get("checked"))

    @checked.setter
    def checked(self, value):
        self._store({**self._stored(), "checked": bool(value)})

    def forget(self):
        self.session.pop(self.key, None)
