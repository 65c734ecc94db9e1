from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    """django-axes, named in the admin as staff read it (its own name shows as « AXES »)."""

    verbose_name = _("Login attempts")
