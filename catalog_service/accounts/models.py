from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """An account. Admins are active staff users; the catalog has no finer-grained roles.

    Every admin may do everything, in the API and in the Django admin, so staff status alone
    grants all model permissions (no per-permission bookkeeping to drift out of sync).
    """

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.is_staff

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_admin or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return self.is_admin or super().has_module_perms(app_label)
