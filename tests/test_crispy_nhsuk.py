"""The `nhsuk` crispy-forms template pack (templates/nhsuk/) emits NHS.UK frontend v10 markup."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Button, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.template import Context, Template

# {% crispy %} resolves helper.form_action through the URLconf; keep these tests independent of it.
urlpatterns = []
pytestmark = pytest.mark.urls(__name__)


class ExampleForm(forms.Form):
    name = forms.CharField(label="Full name", help_text="As shown on your NHS record")
    nickname = forms.CharField(label="Nickname", required=False)
    start = forms.DateField(label="Start date", widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ChoiceField(label="Team", choices=[("", "Choose a team"), ("a", "A"), ("b", "B")])
    contact = forms.ChoiceField(
        label="Contact method",
        choices=[("email", "Email"), ("phone", "Phone")],
        widget=forms.RadioSelect,
        help_text="Select 1 option",
    )
    days = forms.MultipleChoiceField(
        label="Days",
        choices=[("mon", "Monday"), ("tue", "Tuesday")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agree = forms.BooleanField(label="I agree", help_text="You must agree to continue")
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 5}), required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Something is wrong with the whole form")


INVALID_DATA = {"name": "", "start": "not a date", "team": "", "contact": "", "notes": "x"}


class Element:
    def __init__(self, tag, attrs):
        self.tag = tag
        self.attrs = {name: value or "" for name, value in attrs}
        self.classes = self.attrs.get("class", "").split()
        self.text = ""


class Page(HTMLParser):
    """Flat list of elements with their attributes and own text, good enough for assertions."""

    def __init__(self, html):
        super().__init__()
        self.elements, self._open = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs)
        self.elements.append(element)
        if tag not in {"input", "br"}:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def find(self, tag=None, **attrs):
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag=None, **attrs):
        found = self.find(tag, **attrs)
        assert len(found) == 1, f"expected one {tag} {attrs}, found {len(found)}"
        return found[0]

    def with_class(self, css_class):
        return [e for e in self.elements if css_class in e.classes]

    def text_of(self, element):
        return " ".join(element.text.split())


def render(source, **context):
    return Template("{% load crispy_forms_tags %}" + source).render(Context(context))


def test_project_uses_the_nhsuk_pack():
    assert settings.CRISPY_TEMPLATE_PACK == "nhsuk"


def test_fields_render_as_nhs_form_groups():
    html = render("{{ form|crispy }}", form=ExampleForm())
    page = Page(html)

    name = page.one("input", id="id_name")
    assert "nhsuk-input" in name.classes
    assert name.attrs["aria-describedby"] == "id_name-hint"
    assert "nhsuk-label" in page.one("label", for_="id_name").classes
    assert page.text_of(page.one("label", for_="id_name")) == "Full name"
    hint = page.one("div", id="id_name-hint")
    assert hint.classes == ["nhsuk-hint"]
    assert page.text_of(hint) == "As shown on your NHS record"

    assert page.text_of(page.one("label", for_="id_nickname")) == "Nickname (optional)"
    assert "*" not in html  # NHS style: no asterisks on required fields

    start = page.one("input", id="id_start")
    assert start.attrs["type"] == "date" and "nhsuk-input" in start.classes
    assert "nhsuk-select" in page.one("select", id="id_team").classes
    assert "nhsuk-textarea" in page.one("textarea", id="id_notes").classes

    # Radios and checkbox lists sit in a fieldset whose legend names the group.
    legends = [page.text_of(e) for e in page.find("legend")]
    assert legends == ["Contact method", "Days (optional)"]
    assert all("nhsuk-fieldset__legend" in e.classes for e in page.find("legend"))
    assert page.one("fieldset", aria_describedby="id_contact-hint")
    assert page.with_class("nhsuk-radios")[0].attrs["data-module"] == "nhsuk-radios"
    for index, label in enumerate(["Email", "Phone"]):
        radio = page.one("input", id=f"id_contact_{index}")
        assert radio.attrs["type"] == "radio" and radio.classes == ["nhsuk-radios__input"]
        assert page.text_of(page.one("label", for_=f"id_contact_{index}")) == label
    assert page.one("input", id="id_days_1").classes == ["nhsuk-checkboxes__input"]

    # A single checkbox is a one-item checkboxes component with an item hint.
    agree = page.one("input", id="id_agree")
    assert agree.attrs["type"] == "checkbox" and "nhsuk-checkboxes__input" in agree.classes
    assert agree.attrs["aria-describedby"] == "id_agree-hint"
    assert "nhsuk-checkboxes__label" in page.one("label", for_="id_agree").classes

    # Hidden inputs are rendered bare, and nothing is in error.
    assert page.one("input", id="id_token").attrs["type"] == "hidden"
    assert len(page.with_class("nhsuk-form-group")) == 8
    assert not page.with_class("nhsuk-error-summary")
    assert not page.with_class("nhsuk-error-message")


def test_every_control_is_labelled_and_ids_are_unique():
    page = Page(render("{{ form|crispy }}", form=ExampleForm(data=INVALID_DATA)))
    ids = [e.attrs["id"] for e in page.elements if "id" in e.attrs]
    assert [i for i, n in Counter(ids).items() if n > 1] == []

    controls = [
        e
        for e in page.elements
        if e.tag in {"input", "select", "textarea"} and e.attrs.get("type") != "hidden"
    ]
    assert len(controls) == 10
    for control in controls:
        assert page.find("label", for_=control.attrs["id"]), control.attrs["id"]
    assert len(page.find("legend")) == len(page.find("fieldset")) == 2
    for element in page.elements:
        for target in element.attrs.get("aria-describedby", "").split():
            assert target in ids


def test_bound_invalid_form_shows_errors_and_summary():
    page = Page(render("{{ form|crispy }}", form=ExampleForm(data=INVALID_DATA)))

    name = page.one("input", id="id_name")
    assert "nhsuk-input--error" in name.classes
    assert name.attrs["aria-describedby"] == "id_name-hint id_name-error"
    error = page.one("span", id="id_name-error")
    assert error.classes == ["nhsuk-error-message"]
    assert page.text_of(error) == "Error: This field is required."
    assert page.find("span", **{"class": "nhsuk-u-visually-hidden"})

    assert "nhsuk-input--error" in page.one("input", id="id_start").classes
    assert "nhsuk-select--error" in page.one("select", id="id_team").classes
    assert page.one("select", id="id_team").attrs["aria-describedby"] == "id_team-error"
    assert page.one("fieldset", aria_describedby="id_contact-hint id_contact-error")
    assert (
        page.one("input", id="id_agree").attrs["aria-describedby"] == "id_agree-hint id_agree-error"
    )
    assert "nhsuk-textarea--error" not in page.one("textarea", id="id_notes").classes
    assert len(page.with_class("nhsuk-form-group--error")) == 5

    summary = page.with_class("nhsuk-error-summary")
    assert len(summary) == 1 and summary[0].attrs["data-module"] == "nhsuk-error-summary"
    assert page.one("div", role="alert")
    assert page.text_of(page.with_class("nhsuk-error-summary__heading")[0]) == "There is a problem"
    assert page.with_class("nhsuk-error-summary__list")[0].classes == [
        "nhsuk-list",
        "nhsuk-error-summary__list",
    ]
    links = [(a.attrs["href"], page.text_of(a)) for a in page.find("a")]
    assert links == [
        ("#id_name", "This field is required."),
        ("#id_start", "Enter a valid date."),
        ("#id_team", "This field is required."),
        ("#id_contact_0", "This field is required."),
        ("#id_agree", "This field is required."),
    ]
    items = [page.text_of(li) for li in page.find("li")]
    assert items[0] == "Something is wrong with the whole form"  # non-field error, not a link
    assert len(items) == len(links) + 1


def test_crispy_tag_with_layout_and_buttons():
    form = ExampleForm(data=INVALID_DATA)
    form.helper = FormHelper()
    form.helper.form_tag = False
    form.helper.layout = Layout(
        Fieldset("About {{ who }}", "name", "nickname"),
        HTML("<p class='nhsuk-body'>Tell us about {{ who }}</p>"),
        "contact",
        Submit("save", "Save and continue"),
        Button("back", "Go back"),
    )
    html = render("{% crispy form %}", form=form, who="you")
    page = Page(html)

    assert not page.find("form")
    fieldset = page.with_class("nhsuk-fieldset")[0]
    assert fieldset.tag == "fieldset"
    assert page.text_of(page.find("legend")[0]) == "About you"
    assert "Tell us about you" in html
    assert page.one("input", id="id_name").attrs["aria-describedby"] == "id_name-hint id_name-error"
    assert page.find("input", id="id_team") == []  # not in the layout

    save = page.one("button", name="save")
    assert save.classes == ["nhsuk-button"]
    assert save.attrs["type"] == "submit" and save.attrs["data-module"] == "nhsuk-button"
    assert page.text_of(save) == "Save and continue"
    back = page.one("button", name="back")
    assert back.classes == ["nhsuk-button", "nhsuk-button--secondary"]
    assert back.attrs["type"] == "button"

    assert len(page.with_class("nhsuk-error-summary")) == 1


def test_error_summary_partial_can_be_placed_by_the_page():
    form = ExampleForm(data=INVALID_DATA)
    form.helper = FormHelper()
    form.helper.form_tag = False
    form.helper.show_error_summary = False  # the page renders it at the top instead
    html = render(
        '{% include "nhsuk/_error_summary.html" with form=form %}<h1>Title</h1>{% crispy form %}',
        form=form,
    )
    assert html.count('class="nhsuk-error-summary"') == 1
    assert html.index("nhsuk-error-summary") < html.index("<h1>")
    assert '<a href="#id_name">' in html

    assert render('{% include "nhsuk/_error_summary.html" %}', form=ExampleForm()).strip() == ""
