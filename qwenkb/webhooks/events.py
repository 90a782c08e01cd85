"""Events of the project package's own apps (sources); claims' are in claims/events.py.

Every event leaves after the write commits (``services.event_emit``); whatever must be read
to describe it is read then too, so a write runs no extra query for its webhooks.
"""

from qwenkb.webhooks.models import Event
from qwenkb.webhooks.services import event_emit


def source_added(source) -> None:
    """A source was added."""
    event_emit(
        event=Event.SOURCE_ADDED,
        data={"source": source.pk, "key": source.key, "title": source.title, "url": source.url},
    )
