from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ethos.demo"
    label = "demo"
    verbose_name = "Demo practice"
