"""Masking personal data for screens, receipts and API answers.

ID numbers keep their first and last four characters, mobile numbers their
first three and last four, names their first character, addresses their first
six characters (enough to recognise the district and street). The holder's own
certificate may need the full value; everything else shows the masked one.
"""

from __future__ import annotations

from govcore.validation import InvalidPhoneError, mask_id_number, mask_mobile

__all__ = [
    "mask_account",
    "mask_address",
    "mask_id_number",
    "mask_name",
    "mask_phone",
]


def mask_name(name: str) -> str:
    """``"陈伯"`` → ``"陈*"``; ``"欧阳娜娜"`` → ``"欧***"``."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def mask_phone(phone: str) -> str:
    """A mobile number as ``138****5678``; anything else keeps its last two."""
    try:
        return mask_mobile(phone)
    except InvalidPhoneError:
        return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_address(address: str) -> str:
    """Keep the first six characters: ``"广东省汕头市****"``."""
    address = address.strip()
    return address[:6] + "****" if len(address) > 6 else address


def mask_account(number: str) -> str:
    """A bank or card account keeps its last four: ``"*****4215"``."""
    number = number.strip()
    return "*" * max(len(number) - 4, 0) + number[-4:]
