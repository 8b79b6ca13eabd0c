from django.apps import AppConfig


class CtnConfig(AppConfig):
    name = "ctn"
    verbose_name = "CTN"
