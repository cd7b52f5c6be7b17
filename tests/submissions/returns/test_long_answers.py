"""A narrative answer or an explanation over its limit is refused next to its box, as the NHS.UK
design system shows an error (the form group, the message, the box marked, the summary linking to
the box), and what was typed is shown again so that it can be shortened: whole, or, when it is
hugely over the limit, its start with a note saying so."""

from html.parser import HTMLParser

import pytest

from submissions.demo import seed_figures
from submissions.models import Explanation, NarrativeAnswer
from submissions.models.returns import ANSWER_MAX_LENGTH, EXPLANATION_MAX_LENGTH
from submissions.returns import presenters
from tests import factories

pytestmark = pytest.mark.django_db


class Boxes(HTMLParser):
    """Each textarea of a page by id: its classes, aria attributes, text and its form group's
    classes; each error message by id; the error summary's links."""

    def __init__(self, html):
        super().__init__()
        self.groups, self.boxes, self.messages, self.summary_links = [], {}, {}, []
        self._box = None
        self._spans = []  # the error message each open span belongs to, if any
        self._in_summary = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "div":
            self.groups.append(classes)
            self._in_summary = self._in_summary or "nhsuk-error-summary" in classes
        elif tag == "textarea":
            self._box = attrs["id"]
            self.boxes[self._box] = {
                **attrs,
                "classes": classes,
                "group": self._group(),
                "text": "",
            }
        elif tag == "span":
            if "nhsuk-error-message" in classes:
                self.messages[attrs.get("id")] = ""
                self._spans.append(attrs.get("id"))
            else:
                self._spans.append(self._spans[-1] if self._spans else None)
        elif tag == "a" and self._in_summary:
            self.summary_links.append(attrs.get("href"))

    def _group(self):
        return next((c for c in reversed(self.groups) if "nhsuk-form-group" in c), [])

    def handle_endtag(self, tag):
        if tag == "div" and self.groups:
            classes = self.groups.pop()
            if "nhsuk-error-summary" in classes:
                self._in_summary = False
        elif tag == "textarea":
            self._box = None
        elif tag == "span" and self._spans:
            self._spans.pop()

    def handle_data(self, data):
        if self._box:
            self.boxes[self._box]["text"] += data
        if self._spans and self._spans[-1]:
            self.messages[self._spans[-1]] += data


def post_answers(client, lead, **answers):
    client.force_login(lead)
    return client.post(
        factories.return_url(template_code="narrative"),
        factories.entry_form({}, 0, **{f"answer:{code}": text for code, text in answers.items()}),
    )


def test_an_answer_over_its_limit_is_refused_beside_its_box_with_what_was_typed(client, beds_lead):
    typed = "We will reduce waiting times. " * 400  # 12,000 characters
    response = post_answers(client, beds_lead, main_priorities=typed, main_risks="Workforce")

    assert response.status_code == 422
    page = Boxes(response.content.decode())
    box = page.boxes["answer-main_priorities"]
    assert "nhsuk-form-group--error" in box["group"]
    assert "nhsuk-textarea--error" in box["classes"] and box["aria-invalid"] == "true"
    assert "answer-main_priorities-error" in box["aria-describedby"].split()
    assert (
        "at most 10,000 characters (it has 11,999)" in page.messages["answer-main_priorities-error"]
    )
    assert box["text"] == typed  # whole, not cut to the limit: the person shortens it
    assert "#answer-main_priorities" in page.summary_links
    other = page.boxes["answer-main_risks"]
    assert other["text"] == "Workforce" and "nhsuk-form-group--error" not in other["group"]
    assert not NarrativeAnswer.objects.exists()


def test_a_hugely_long_answer_shows_its_start_and_says_so(client, beds_lead):
    response = post_answers(client, beds_lead, main_priorities="a" * 5_000_000)

    assert response.status_code == 422
    assert len(response.content) < 100_000
    html = response.content.decode()
    page = Boxes(html)
    box = page.boxes["answer-main_priorities"]
    assert box["text"] == "a" * ANSWER_MAX_LENGTH
    assert "answer-main_priorities-cut" in box["aria-describedby"].split()
    assert "What you typed has 5,000,000 characters, too many to show again" in html
    assert not NarrativeAnswer.objects.exists()


def test_an_over_long_explanation_is_refused_beside_its_box(client, bedfordshire, beds_lead):
    factories.saved_return(bedfordshire, "activity", seed_figures.activity_cells(), lead=beds_lead)
    client.force_login(beds_lead)
    warnings = client.get(factories.return_url()).context["warnings"]
    assert len(warnings) >= 2
    first, second = warnings[0]["message"].key, warnings[1]["message"].key
    typed = "b" * (EXPLANATION_MAX_LENGTH + 1)

    response = client.post(
        factories.return_url(),
        factories.entry_form(
            {}, 1, **{f"explain:{first}": typed, f"explain:{second}": "Modelled locally"}
        ),
    )

    assert response.status_code == 422
    page = Boxes(response.content.decode())
    box = page.boxes["explain-1"]
    assert box["name"] == f"explain:{first}" and box["text"] == typed
    assert "nhsuk-form-group--error" in box["group"] and "nhsuk-textarea--error" in box["classes"]
    assert "at most 10,000 characters" in page.messages["explain-1-error"]
    assert "#explain-1" in page.summary_links
    assert page.boxes["explain-2"]["text"] == "Modelled locally"
    assert "nhsuk-form-group--error" not in page.boxes["explain-2"]["group"]
    assert not Explanation.objects.exists()


@pytest.mark.parametrize(
    "length, shown, cut",
    [
        (ANSWER_MAX_LENGTH + 1, ANSWER_MAX_LENGTH + 1, False),
        (10 * ANSWER_MAX_LENGTH, 10 * ANSWER_MAX_LENGTH, False),
        (10 * ANSWER_MAX_LENGTH + 1, ANSWER_MAX_LENGTH, True),
    ],
)
def test_a_refused_text_is_shown_whole_up_to_ten_times_its_limit(length, shown, cut):
    again = presenters.shown_again("x" * length, ANSWER_MAX_LENGTH)
    assert len(again["text"]) == shown and bool(again["cut"]) is cut
