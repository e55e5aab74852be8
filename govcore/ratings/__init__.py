"""好差评: the applicant's rating of a service, one per application."""

from govcore.ratings.models import ServiceRating
from govcore.ratings.service import BAD_REASONS, GOOD_REASONS, rate, rating_of

__all__ = ["BAD_REASONS", "GOOD_REASONS", "ServiceRating", "rate", "rating_of"]
