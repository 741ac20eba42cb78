from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "openisms.governance"
    label = "governance"
