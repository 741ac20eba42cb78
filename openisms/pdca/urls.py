from django.urls import path

from openisms.pdca import views

app_name = "pdca"

P = "o/<slug:org_slug>/"

urlpatterns = [
    path(f"{P}my-work/", views.MyWorkView.as_view(), name="my_work"),
    path(f"{P}my-work/feed/", views.FeedCreateView.as_view(), name="feed_create"),
    path(f"{P}my-work/feed/revoke/", views.FeedRevokeView.as_view(), name="feed_revoke"),
    path(f"{P}my-work/reminders/", views.RemindersView.as_view(), name="reminders"),
    path(f"{P}calendar/", views.CalendarView.as_view(), name="calendar"),
    path("ical/<str:token>.ics", views.ical_feed, name="ical_feed"),
]
