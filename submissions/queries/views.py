"""Query pages: raise a query on a figure of a submitted return, its thread (answer, follow up,
resolve), and a system's open queries for its ICS lead."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from planning.selectors import round_get, system_for_reviewer
from submissions.returns import selectors as returns
from submissions.returns.presenters import return_url

from . import presenters, selectors, services
from .forms import MessageForm, RaiseQueryForm
from .rules import can, permissions_for


def _return(request, year, ods, template, stage):
    """The return a URL names, if the signed-in user may read it (404 otherwise)."""
    return returns.return_for_reader(
        user=request.user, financial_year=year, ods_code=ods, template_code=template, stage=stage
    )


def _add_errors(form, error):
    """A service's ValidationError next to the form's field it names (or at the top)."""
    for field, texts in error.message_dict.items():
        form.add_error(field if field in form.fields else None, texts)


@login_required
@require_http_methods(["GET", "POST"])
def query_raise(request, year, ods, template, stage):
    ret = _return(request, year, ods, template, stage)
    if not can(request.user, "submissions.raise_query", ret):
        raise PermissionDenied
    grid = returns.grid_for_template(ret.template)
    data = request.POST if request.method == "POST" else None
    form = RaiseQueryForm(
        data,
        choices=presenters.cell_choices(grid),
        initial={"cell": request.GET.get("cell", "")[:200]},
    )
    if form.is_valid():
        line, column = form.figure()
        try:
            query = services.query_raise(
                user=request.user,
                ret=ret,
                line_code=line,
                column_code=column,
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                f"Query raised on {presenters.where(query)}. The planning leads of "
                f"{ret.organisation.name} are told; the return stays as it is, in the plans.",
            )
            return redirect(presenters.query_url(ret, query.pk))
    context = {
        "ret": ret,
        "form": form,
        "urls": {"return": return_url(ret)},
    }
    status = 422 if form.errors else 200
    return render(request, "submissions/queries/query_raise.html", context, status=status)


_ACTIONS = {
    "answer": ("can_answer", services.query_answer, "Your answer is sent.", "Enter your answer"),
    "follow_up": (
        "can_follow_up",
        services.query_follow_up,
        "Your follow-up is sent: the query is open again.",
        "Enter your follow-up question",
    ),
    "resolve": ("can_resolve", services.query_resolve, "The query is resolved.", None),
}


@login_required
@require_http_methods(["GET", "POST"])
def query_detail(request, year, ods, template, stage, pk):
    ret = _return(request, year, ods, template, stage)
    query = selectors.query_for_reader(ret=ret, pk=pk)
    allowed = permissions_for(request.user, query)
    form_text = _form_text(allowed)
    form = MessageForm(**form_text)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in _ACTIONS or not allowed[_ACTIONS[action][0]]:
            raise PermissionDenied
        _, service, done, required = _ACTIONS[action]
        form = MessageForm(request.POST, **form_text)
        if form.is_valid():
            text = form.cleaned_data["text"]
            try:
                if required and not text.strip():
                    raise ValidationError({"text": required})
                service(user=request.user, query=query, text=text)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, done)
                return redirect(presenters.query_url(ret, query.pk))
    context = {
        "ret": ret,
        "query": query,
        "where": presenters.where(query),
        "tag": presenters.status_tag(query),
        "thread": selectors.thread_of(query),
        "form": form,
        "urls": {"return": return_url(ret), "self": presenters.query_url(ret, query.pk)},
        **allowed,
    }
    status = 422 if form.errors else 200
    return render(request, "submissions/queries/query_detail.html", context, status=status)


def _form_text(allowed):
    if allowed["can_answer"]:
        return {"label": "Your answer"}
    if allowed["can_follow_up"]:
        return {
            "label": "Follow-up question or closing note",
            "help_text": "A follow-up opens the query again for the planning lead; a note is "
            "optional when you resolve it.",
        }
    return {}


@login_required
def system_queries(request, code, year):
    """The unresolved queries on the returns of a system's members in a round, oldest first. For
    those who may open the system's ICS-lead pages (its ICS leads, analysts, administrators)."""
    system = system_for_reviewer(user=request.user, code=code)
    round_ = round_get(financial_year=year)
    rows = [
        {
            "query": q,
            "where": presenters.where(q),
            "tag": presenters.status_tag(q),
            "url": presenters.query_url(q.ret, q.pk),
            "return_url": return_url(q.ret),
        }
        for q in selectors.system_queries(system=system, round_=round_)
    ]
    context = {"system": system, "round": round_, "rows": rows}
    return render(request, "submissions/queries/system_queries.html", context)
