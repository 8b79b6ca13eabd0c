from django.apps import AppConfig


class CtnConfig(AppConfig):
    name = "ctn"
    verbose_name = "CTN"

    def ready(self):
        from ctn import cache, roles

        roles.connect_signals()
        cache.connect_signals()
