"""System checks of the project's own settings, beside Django's (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks

# The bar Django's security.W009 sets for SECRET_KEY.
KEY_MIN_LENGTH = 50
KEY_MIN_UNIQUE_CHARACTERS = 5

GENERATE = "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'."


@checks.register(checks.Tags.security, deploy=True)
def jwt_signing_key_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """JWT_SIGNING_KEY signs every token that makes its bearer an admin: a weak one lets anyone
    who guesses it forge them, and one equal to SECRET_KEY cannot be rotated alone."""
    key = settings.SIMPLE_JWT.get("SIGNING_KEY") or ""
    if len(key) < KEY_MIN_LENGTH or len(set(key)) < KEY_MIN_UNIQUE_CHARACTERS:
        return [
            checks.Warning(
                f"JWT_SIGNING_KEY has less than {KEY_MIN_LENGTH} characters or less than "
                f"{KEY_MIN_UNIQUE_CHARACTERS} different ones: tokens signed with it can be forged.",
                hint=GENERATE,
                id="core.W001",
            )
        ]
    if key == settings.SECRET_KEY:
        return [
            checks.Warning(
                "JWT_SIGNING_KEY is the same as SECRET_KEY: rotating one rotates both.",
                hint=GENERATE,
                id="core.W002",
            )
        ]
    return []
