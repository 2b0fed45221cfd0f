from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """An account. Admins are active staff users; the catalog has no finer-grained roles.

    Every admin may do everything, in the API and in the Django admin, so staff status alone
    grants all model permissions (no per-permission bookkeeping to drift out of sync).
    """

    class Meta(AbstractUser.Meta):
        # `Alice` and `alice` are one person to a human (and to the login lockout, which counts
        # per lower-cased username): two accounts must not differ only by case. The services
        # check first for a friendly 409; this index settles the races between that check and
        # the save, and covers the paths that bypass the services (createsuperuser).
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_unique_ci",
                violation_error_message="A user with that username already exists.",
            )
        ]

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.is_staff

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_admin or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return self.is_admin or super().has_module_perms(app_label)
