"""An email the service sends (a password reset link; later invitations): to one address, a
subject and a plain-text body. The recipient and the subject become mail headers, so each must
be one line: a line break there could add headers of its own (a Bcc, a second recipient)."""

import re
from dataclasses import dataclass

# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class NotOneLine(ValueError):
    """A header's text (the recipient, the subject) has a line break or a control character."""


@dataclass(frozen=True, slots=True)
class Mail:
    to: str  # one address, no display name
    subject: str
    text: str

    def __post_init__(self) -> None:
        for header, value in (("to", self.to), ("subject", self.subject)):
            if _NOT_ONE_LINE.search(value):
                raise NotOneLine(f"the {header} of a mail must be one line")
