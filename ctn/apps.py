from django.apps import AppConfig


class CtnConfig(AppConfig):
    name = "ctn"
    verbose_name = "CTN"

    def ready(self):
        from ctn import changes, roles

        roles.connect_signals()
        changes.connect_signals()
