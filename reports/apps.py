from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Minutes")

    def ready(self):
        from django.core import checks

        from reports import audit
        from reports.checks import signing_certificate, signing_certificate_opens

        audit.connect_signals()
        checks.register(signing_certificate)
        checks.register(signing_certificate_opens, deploy=True)
