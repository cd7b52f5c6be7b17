"""Spreadsheet habits in the return grid: a paste that says what it did and checks calculated
cells, undo and redo, ranges copied out as tab-separated text and back, fill down, clearing a
range, and headings that stay in view in the grid's own scroll box (Chromium)."""

import pytest
from playwright.sync_api import expect

from planning.template_loader import load_all
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Four rows of eleven values pasted at "GP referrals": nine columns of the activity grid, two
# beyond its last column. The third row lands on the calculated "Total outpatient attendances"
# line, where 3,000 is not what the grid works out (4,000, from the line below).
BLOCK = (
    "1000\t0\t0\t100\t0\t0\t1100\t10.0%\t9.0%\t7\t8\r\n"
    "2000\t0\t0\t0\t0\t0\t2000\t0.0%\t1.0%\tx\ty\r\n"
    "3000\t0\t0\t0\t0\t0\t3000\t0.0%\t2.0%\t\t\r\n"
    "4000\t0\t0\t0\t0\t0\t4000\t0.0%\t3.0%\t\t\r\n"
)
PASTED = (
    "Pasted 36 values into 4 rows × 9 columns; 14 values on calculated cells not typed in,"
    " 2 of them differ from the calculation (marked at the cells);"
    " 8 values beyond the last column not pasted."
)


def clipboard(page, selector, kind, text=""):
    """Fire a paste or copy event at `selector` as the browser does for Ctrl+V or Ctrl+C, with a
    clipboard of its own (no clipboard permission needed); returns the copied text."""
    return page.evaluate(
        """([selector, kind, text]) => {
            const data = new DataTransfer();
            if (text) data.setData("text/plain", text);
            const target = document.querySelector(selector);
            target.dispatchEvent(
                new ClipboardEvent(kind, {clipboardData: data, bubbles: true, cancelable: true}));
            return data.getData("text/plain");
        }""",
        [selector, kind, text],
    )


def cell(page, line, column):
    return page.locator(f"#cell-{line}-{column}")


@pytest.fixture
def beds_lead():
    load_all()
    system = factories.system("BLMK", name="BLMK ICS")
    beds = factories.organisation("06F", name="NHS Bedfordshire CCG")
    factories.membership(beds, system)
    return factories.planning_lead(beds, first_name="Bea")


def test_paste_says_what_it_did_checks_calculations_and_undoes_in_one_step(
    page, log_in, assert_accessible, beds_lead
):
    log_in(beds_lead)
    page.goto("/returns/2019/06F/activity/draft/")
    expect(page.get_by_text("Keyboard shortcuts", exact=True)).to_be_visible()
    status = page.get_by_test_id("grid-status")
    expect(status).to_be_hidden()

    cell(page, "gp_referrals", "fot").focus()
    clipboard(page, "#cell-gp_referrals-fot", "paste", BLOCK)
    expect(status).to_have_text(PASTED)
    expect(page.locator("[data-grid-announcer]")).to_have_text(PASTED)
    expect(page.locator("td.app-cell-wrap--pasted")).to_have_count(36)
    expect(cell(page, "first_outpatients", "fot")).to_have_value("4,000")
    expect(cell(page, "total_outpatients", "last_year_growth")).to_have_value("2")

    # The value on the calculated line is not typed in: the figure is the grid's, and the
    # difference is marked at the cell, visibly and in its description.
    total = cell(page, "total_outpatients", "fot")
    expect(total).to_have_text("4,000")
    expect(page.locator("#cell-total_outpatients-fot-pasted")).to_have_text(
        "Pasted 3,000: differs from the calculation"
    )
    expect(total).to_have_accessible_description("Pasted 3,000: differs from the calculation")
    expect(page.locator(".app-paste-mismatch")).to_have_count(2)  # the 19/20 plan too
    expect(page.locator("#cell-total_referrals-plan-pasted")).to_have_count(0)  # 1,100 agreed
    assert_accessible(page)

    # The highlight goes at the next action; the flags stay.
    page.keyboard.press("ArrowRight")
    expect(page.locator("td.app-cell-wrap--pasted")).to_have_count(0)
    expect(page.locator(".app-paste-mismatch")).to_have_count(2)

    # Typing in a cell is one step, a paste another: Ctrl+Z takes back each, Ctrl+Y redoes.
    coding = cell(page, "gp_referrals", "coding")
    coding.fill("55")
    page.keyboard.press("Control+z")
    expect(coding).to_have_value("0")
    page.keyboard.press("Control+z")
    expect(cell(page, "gp_referrals", "fot")).to_have_value("")
    expect(cell(page, "first_outpatients", "fot")).to_have_value("")
    expect(total).to_have_text("")
    expect(page.locator(".app-paste-mismatch")).to_have_count(0)
    expect(status).to_contain_text("Undone: paste of 36 values.")
    page.keyboard.press("Control+y")
    expect(cell(page, "first_outpatients", "fot")).to_have_value("4,000")
    page.keyboard.press("Control+Shift+z")
    expect(coding).to_have_value("55")
    expect(status).to_contain_text("Redone: typing in GP referrals")
    page.keyboard.press("Control+z")
    expect(coding).to_have_value("0")

    # A range selected with the mouse is copied as tab-separated text, Excel's shape...
    start = cell(page, "gp_referrals", "fot").bounding_box()
    end = cell(page, "other_referrals", "coding").bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(end["x"] + 5, end["y"] + 5, steps=4)
    page.mouse.up()
    expect(page.locator("td.app-cell-wrap--selected")).to_have_count(4)
    copied = clipboard(page, "#cell-gp_referrals-fot", "copy")
    assert copied == "1000\t0\r\n2000\t0\r\n"
    expect(status).to_have_text("Copied 2 rows × 2 columns as tab-separated values.")

    # ... and pastes back in the same shape.
    cell(page, "follow_up_outpatients", "fot").focus()
    clipboard(page, "#cell-follow_up_outpatients-fot", "paste", copied)
    expect(status).to_have_text("Pasted 4 values into 2 rows × 2 columns.")
    expect(cell(page, "follow_up_outpatients", "fot")).to_have_value("1,000")
    expect(cell(page, "outpatient_procedures", "fot")).to_have_value("2,000")
    expect(total).to_have_text("5,000")

    # Fill down (Ctrl+D): Shift+arrows select GP and other referrals' trend; the top is copied.
    cell(page, "gp_referrals", "trend").focus()
    page.keyboard.press("Shift+ArrowDown")
    expect(page.locator("td.app-cell-wrap--selected")).to_have_count(2)
    page.keyboard.press("Control+d")
    expect(cell(page, "other_referrals", "trend")).to_have_value("100")
    expect(cell(page, "total_referrals", "trend")).to_have_text("200")

    # Delete clears a range, as one step to undo.
    cell(page, "gp_referrals", "fot").focus()
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("td.app-cell-wrap--selected")).to_have_count(4)
    page.keyboard.press("Delete")
    expect(status).to_have_text("Cleared 4 cells.")
    expect(cell(page, "gp_referrals", "fot")).to_have_value("")
    expect(cell(page, "other_referrals", "coding")).to_have_value("")
    page.keyboard.press("Control+z")
    expect(cell(page, "gp_referrals", "fot")).to_have_value("1,000")
    expect(cell(page, "other_referrals", "coding")).to_have_value("0")

    # Undo goes back at least 50 steps: 60 cells typed in, one after the other, all undone.
    page.evaluate(
        """() => {
            const cells = ["#cell-gp_referrals-coding", "#cell-gp_referrals-non_recurrent"]
                .map((selector) => document.querySelector(selector));
            for (let step = 0; step < 60; step++) {
                const input = cells[step % 2];
                input.focus();
                input.value = String(Math.floor(step / 2) + 1);
                input.dispatchEvent(new Event("input", {bubbles: true}));
            }
            cells[0].focus();
            for (let step = 0; step < 59; step++) {
                cells[0].dispatchEvent(new KeyboardEvent(
                    "keydown", {key: "z", ctrlKey: true, bubbles: true, cancelable: true}));
            }
        }"""
    )
    expect(cell(page, "gp_referrals", "coding")).to_have_value("1")
    expect(cell(page, "gp_referrals", "non_recurrent")).to_have_value("0")
    page.keyboard.press("Control+z")
    expect(cell(page, "gp_referrals", "coding")).to_have_value("0")

    # Wide and long: the grid scrolls in its own box, shorter than the window so its horizontal
    # scrollbar is in reach, with the column headings and line names stuck to its edges.
    page.set_viewport_size({"width": 1024, "height": 700})
    scroller = page.locator(".app-grid-scroll").first
    heading = page.locator("thead th").nth(3)
    line_name = page.locator('th[scope="row"]').nth(10)
    scroller.scroll_into_view_if_needed()
    sizes = scroller.evaluate(
        """box => ({client: box.clientHeight, scroll: box.scrollHeight, window: innerHeight,
                    wide: box.scrollWidth > box.clientWidth})"""
    )
    assert sizes["scroll"] > sizes["client"] and sizes["client"] < sizes["window"], sizes
    assert sizes["wide"], sizes
    scroller.evaluate("box => { box.scrollTop = box.scrollHeight; box.scrollLeft = 400; }")
    box = scroller.bounding_box()
    expect(heading).to_be_visible()
    assert abs(heading.bounding_box()["y"] - box["y"]) <= 1
    assert abs(line_name.bounding_box()["x"] - box["x"]) <= 1
    assert_accessible(page)
