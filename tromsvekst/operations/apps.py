from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "tromsvekst.operations"
    label = "operations"
