"""Telling the change history (django-simple-history) who made a change and why."""


def stamp(instance, *, user=None, reason: str = "") -> None:
    """Attach the acting user and the reason to the next save or delete of ``instance``."""
    if user is not None and user.is_authenticated:
        instance._history_user = user
    if reason:
        instance._change_reason = reason
