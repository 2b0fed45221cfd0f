from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib import rest_framework_simplejwt as jwt_schema
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework_simplejwt import serializers as jwt
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import UntypedToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from . import login_backoff
from .authentication import token_user
from .models import User

# Defaults for a new account only: an update leaves a field it was not sent unchanged.
CREATE_DEFAULTS = ("is_staff", "is_active")


class UserSerializer(serializers.ModelSerializer):
    """An account as admins see and manage it. The password is write-only."""

    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        trim_whitespace=False,
        max_length=128,
        help_text="Required on create. Send it in a PATCH to change the password.",
    )
    is_staff = serializers.BooleanField(
        default=True, help_text="Admin rights. Accounts created here are admins unless false."
    )
    is_active = serializers.BooleanField(default=True)

    class Meta:
        model = User
        fields = (
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "is_superuser",
            "date_joined",
            "last_login",
            "password",
        )
        read_only_fields = ("id", "is_superuser", "date_joined", "last_login")

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            for name in CREATE_DEFAULTS:
                fields[name].default = empty
        return fields

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["This field is required."]})
        return attrs


class TokenObtainSerializer(jwt.TokenObtainPairSerializer):
    """Token pair plus who logged in, so a client knows at once whether it may write."""

    def validate(self, attrs):
        username = attrs[self.username_field]
        login_backoff.attempt(username)  # 429 while the username is locked
        data = super().validate(attrs)
        login_backoff.succeeded(username)
        data.update(user_id=self.user.pk, username=self.user.username, is_staff=self.user.is_staff)
        return data


def _blacklist_once(refresh, user: User) -> None:
    """Blacklists a refresh token, or raises TokenError if it already is: the unique
    BlacklistedToken row decides which of two parallel refreshes of one token wins (the other
    waits for its commit, then conflicts). simplejwt's get_or_create would let both through."""
    jti = refresh[api_settings.JTI_CLAIM]
    outstanding, _created = OutstandingToken.objects.get_or_create(
        jti=jti,
        defaults={
            "user": user,
            "created_at": refresh.current_time,
            "token": str(refresh),
            "expires_at": datetime_from_epoch(refresh["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as exc:
        raise TokenError(_("Token is blacklisted")) from exc


# No docstrings on the two below: they would become descriptions in the OpenAPI schema.
class TokenRefreshSerializer(jwt.TokenRefreshSerializer):
    # simplejwt's, with the token's user checked as on every request (a deleted user is a 401,
    # not a 500) and the old refresh token blacklisted atomically.
    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user = token_user(refresh)
        data = {"access": str(refresh.access_token)}
        if api_settings.ROTATE_REFRESH_TOKENS:
            if api_settings.BLACKLIST_AFTER_ROTATION:
                _blacklist_once(refresh, user)
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            refresh.outstand()
            data["refresh"] = str(refresh)
        return data


class TokenVerifySerializer(jwt.TokenVerifySerializer):
    # A token is valid only if its account may still use it (exists, active, same password).
    def validate(self, attrs):
        super().validate(attrs)
        token_user(UntypedToken(attrs["token"]))
        return {}


class TokenPairResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()


# The schema describes the two as it describes simplejwt's.
class TokenRefreshSchema(jwt_schema.TokenRefreshSerializerExtension):
    target_class = TokenRefreshSerializer


class TokenVerifySchema(jwt_schema.TokenVerifySerializerExtension):
    target_class = TokenVerifySerializer
