"""URLs of the submissions app: each concern's own, under one `submissions:` namespace."""

from submissions.notifications import urls as notifications
from submissions.papers import urls as papers
from submissions.plans import urls as plans
from submissions.queries import urls as queries
from submissions.returns import urls as returns
from submissions.workbooks import urls as workbooks

app_name = "submissions"

urlpatterns = [
    *returns.urlpatterns,
    *plans.urlpatterns,
    *papers.urlpatterns,
    *workbooks.urlpatterns,
    *queries.urlpatterns,
    *notifications.urlpatterns,
]
