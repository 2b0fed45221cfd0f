"""Bearer-token authentication: simplejwt's, with the user read by SQL built once."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from .models import User
from .selectors import user_by


def token_user(validated_token) -> User:
    """The account a (signature-checked) token speaks for, if it may still use it: it exists, is
    active, and its password has not changed since the token was issued (simplejwt's checks).
    Requests, `token/refresh/` and `token/verify/` all ask this, so a token the API would refuse
    is neither refreshed nor said to be valid."""
    try:
        user_id = validated_token[api_settings.USER_ID_CLAIM]
    except KeyError as exc:
        raise InvalidToken(_("Token contained no recognizable user identification")) from exc
    user = user_by(api_settings.USER_ID_FIELD, user_id)
    if user is None:
        raise AuthenticationFailed(_("User not found"), code="user_not_found")
    if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
        raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
    if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
        api_settings.REVOKE_TOKEN_CLAIM
    ) != get_md5_hash_password(user.password):
        raise AuthenticationFailed(
            _("The user's password has been changed."), code="password_changed"
        )
    return user


class JWTAuthentication(authentication.JWTAuthentication):
    """The token's user is read from the database on every request, with simplejwt's checks
    (`token_user`). Only the read differs: the ORM would build the same SELECT on every request
    (accounts.selectors)."""

    def get_user(self, validated_token):
        return token_user(validated_token)


class JWTScheme(SimpleJWTScheme):
    """The schema describes the class as it describes simplejwt's (`jwtAuth`, bearer JWT)."""

    target_class = JWTAuthentication
