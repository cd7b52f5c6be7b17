"""Django admin for partners, rounds, milestones and roles, and the security log: the
administrator's tools."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from . import audit
from .forms import MembershipForm
from .models import (
    Membership,
    Milestone,
    Organisation,
    Region,
    Role,
    Round,
    SecurityEvent,
    System,
)
from .rollover import roll_round_forward
from .rules import is_administrator


class AuditedAdmin(admin.ModelAdmin):
    """Role and status changes saved from these pages (a form, the delete page, a bulk action) are
    recorded in the security log as made by the administrator, from their address."""

    def changeform_view(self, request, *args, **kwargs):
        with audit.acting(request):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        with audit.acting(request):
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with audit.acting(request):
            return super().delete_view(request, *args, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(System)
class SystemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "code"]
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "ods_code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "ods_code"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["organisation", "system", "role", "share", "first_year", "last_year"]
    list_filter = ["system", "role"]
    search_fields = ["organisation__name", "organisation__ods_code"]
    autocomplete_fields = ["organisation", "system"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["__str__", "financial_year", "is_open"]
    list_editable = ["is_open"]
    actions = ["roll_forward"]

    @admin.action(description="Roll forward to next year", permissions=["add"])
    def roll_forward(self, request, queryset):
        """Make next year's round from each selected round (templates, timetable), saying what
        was copied, or why not."""
        for round_ in queryset.order_by("financial_year"):
            try:
                new = roll_round_forward(round_, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, new.rollover.summary(), messages.SUCCESS)


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "round", "system", "kind", "level", "stage"]
    list_filter = ["round", "kind", "level", ("system", admin.EmptyFieldListFilter), "system"]
    search_fields = ["title"]
    date_hierarchy = "date"
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ["user", "kind", "organisation", "system"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__email", "organisation__name", "system__name"]
    autocomplete_fields = ["user", "organisation", "system"]


class RoleInline(admin.TabularInline):
    model = Role
    extra = 1
    autocomplete_fields = ["organisation", "system"]


admin.site.unregister(User)


@admin.register(User)
class PlanningUserAdmin(AuditedAdmin, UserAdmin):
    """Users with their planning roles on the same page."""

    inlines = [RoleInline]

    def user_change_password(self, request, *args, **kwargs):
        with audit.acting(request):
            return super().user_change_password(request, *args, **kwargs)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security log, read by administrators only (Django's own permissions do not open it),
    and by nobody written: rows come from `planning.audit` alone."""

    list_display = ["at", "kind", "username", "address", "description"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "address"]
    date_hierarchy = "at"
    show_full_result_count = False  # the log only grows: spare a second count of every row

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
