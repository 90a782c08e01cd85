"""Choices shared by publishers and sources."""

from django.db import models

from qwenkb.choices import text_choices
from sources import precision


class Reliability(models.TextChoices):
    """Source reliability after the Admiralty code."""

    A = "A", "A: completely reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: fairly reliable"
    D = "D", "D: not usually reliable"
    E = "E", "E: unreliable"
    F = "F", "F: reliability cannot be judged"


# Rank used to pick "the most reliable source": A best; F ("cannot be judged") sorts above
# E ("unreliable"), as DESIGN.md orders them.
RELIABILITY_ORDER = {grade: index for index, grade in enumerate("ABCDFE")}


# How precisely a date is known; declared in sources.precision.
DatePrecision = text_choices(precision.DatePrecision)
