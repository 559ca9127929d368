from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from courses.services import lesson_progress_merge_session


@receiver(user_logged_in)
def merge_reading_progress(sender, request, user, **kwargs) -> None:
    # Log-in and sign-up both pass through login(): what an anonymous reader finished joins the account.
    if request is not None and hasattr(request, "session"):
        lesson_progress_merge_session(user=user, session=request.session)
