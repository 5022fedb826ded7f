"""The registry's tables; importing this module registers every model on `Base.metadata`."""

from credit.models.base import Base
from credit.models.enterprise import Enterprise, EnterpriseNameGram
from credit.models.user import User

__all__ = ["Base", "Enterprise", "EnterpriseNameGram", "User"]
