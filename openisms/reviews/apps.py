from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "openisms.reviews"
    label = "reviews"
    verbose_name = "Management review"
