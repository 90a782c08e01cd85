"""The facets of the sources app's listings: sources and publishers (``qwenkb.facets``)."""

from qwenkb.facets import FacetSpec
from sources.choices import Reliability

SOURCE_FACETS = {
    "publisher": FacetSpec("Publisher", "publisher__slug", "publisher", "publisher__name"),
    "grade": FacetSpec("Grade", "reliability", "reliability", dict(Reliability.choices)),
}
PUBLISHER_FACETS = {
    "grade": FacetSpec("Grade", "reliability", "reliability", dict(Reliability.choices)),
}
