from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tromsvekst.demo"
    label = "demo"
