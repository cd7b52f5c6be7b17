"""What the fault tests share: BLMK with two commissioners and the activity template."""

import pytest

from tests import factories


@pytest.fixture
def blmk_activity():
    """BLMK with Bedfordshire and Luton (whole shares), the 2019 templates loaded; the activity
    template and BLMK's ICS lead."""
    templates = factories.templates()
    system = factories.blmk()
    beds = factories.bedfordshire(in_system=system)
    luton = factories.luton(in_system=system)
    return system, templates["activity"], beds, luton
