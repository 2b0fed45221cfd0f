"""Accounts in the Django admin, changed only through accounts.services (the rules of the API),
and the admin's login, limited as `token/` is (per address and per username)."""

import math

from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.forms import AdminPasswordChangeForm as AdminOwnPasswordChangeForm
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse

from catalog_service.core.errors import error_body
from catalog_service.core.exceptions import ConflictError
from catalog_service.core.throttling import AdminLoginThrottle, AuthThrottleUnavailable

from . import login_backoff, services
from .models import User
from .services import LastAdminError

FIELDS = (*services.PROFILE_FIELDS, *services.PRIVILEGE_FIELDS)


class LoginForm(AdminAuthenticationForm):
    """Refuses an attempt over the per-address rate or on a locked username with a form error,
    without checking the password. `retry_after` tells the view to answer 429."""

    retry_after: int | None = None

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        throttle = AdminLoginThrottle()
        if not throttle.allow_request(self.request):
            seconds = max(1, math.ceil(throttle.wait() or 1))
            self._refuse(
                seconds, f"Too many login attempts from your address; try again in {seconds} s."
            )
        try:
            login_backoff.attempt(username)
        except login_backoff.LoginLocked as exc:
            self._refuse(exc.wait, str(exc.detail))
        try:
            return super().clean()
        finally:
            if self.user_cache is not None:  # the password was right
                login_backoff.succeeded(username)

    def _refuse(self, seconds: int, message: str):
        self.retry_after = seconds
        raise ValidationError(message, code="throttled")


admin.site.login_form = LoginForm


def login(request, extra_context=None):
    """The admin site's login view (routed ahead of the admin's URLs): 429 with Retry-After
    while refused, and 503 JSON when the limits cannot be kept, rather than a 500."""
    try:
        response = admin.site.login(request, extra_context)
    except AuthThrottleUnavailable as exc:
        return JsonResponse(
            error_body("service_unavailable", str(exc.detail)),
            status=exc.status_code,
            headers={"Retry-After": str(exc.wait)},
        )
    form = (getattr(response, "context_data", None) or {}).get("form")
    if getattr(form, "retry_after", None):
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response


class UserChangeForm(auth_forms.UserChangeForm):
    def clean(self):
        cleaned_data = super().clean()
        data = {field: cleaned_data[field] for field in FIELDS if field in cleaned_data}
        try:  # the service's own check, shown beside the fields instead of a 500
            services.user_update_check(user=self.instance, data=data)
        except ConflictError as exc:
            message = str(exc.detail)
            raise ValidationError({exc.field: message} if exc.field else message) from exc
        return cleaned_data


class PasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """Sets a password through the service. Without Django's "disable password-based
    authentication" choice: the API has none, and on the last admin it would lock everyone out."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = self.fields["password2"].required = True

    def save(self, commit=True):
        return services.user_update(
            user=self.user, data={"password": self.cleaned_data["password1"]}
        )


class OwnPasswordChangeForm(AdminOwnPasswordChangeForm):
    """An admin's own password (old one required, as Django's), set through the service."""

    def save(self, commit=True):
        data = {"password": self.cleaned_data["new_password1"]}
        return services.user_update(user=self.user, data=data)


def password_change(request, extra_context=None):
    """The admin site's own-password page (routed ahead of the admin's URLs) with the form above:
    AdminSite has no setting for its form."""
    view = PasswordChangeView.as_view(
        form_class=OwnPasswordChangeForm,
        success_url=reverse("admin:password_change_done"),
        extra_context={**admin.site.each_context(request), **(extra_context or {})},
    )
    request.current_app = admin.site.name
    return view(request)


class UserCreationForm(auth_forms.UserCreationForm):
    """Username and password only, as Django's; staff status is granted on the change page."""


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    """Every change goes through accounts.services. Groups and per-user permissions are left out:
    staff status alone grants every permission (accounts.models), and their rows would be
    written around the services."""

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = PasswordChangeForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    filter_horizontal = ()

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in FIELDS if field in form.cleaned_data}
        if change:
            services.user_update(user=User.objects.get(pk=obj.pk), data=data)
        else:
            password = form.cleaned_data["password1"]
            obj.pk = services.user_create(password=password, is_staff=False, **data).pk

    def delete_model(self, request, obj):
        services.user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        services.users_delete(users=queryset)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConflictError as exc:  # lost a race after the form's check passed
            self.message_user(request, str(exc.detail), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except LastAdminError as exc:
            self.message_user(request, str(exc.detail), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[object_id]))

    def response_action(self, request, queryset):
        try:
            with transaction.atomic():  # the delete action logs before it deletes
                return super().response_action(request, queryset)
        except LastAdminError as exc:
            self.message_user(request, str(exc.detail), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
