"""What sources tell the apps that build on them, without knowing those apps."""

from django.dispatch import Signal

# Sent by ``source_save`` (inside its transaction) when an existing source's text changed;
# keyword ``source``. The claims app moves its quotes' stored positions with it.
source_text_changed = Signal()
