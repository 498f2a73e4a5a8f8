"""Every SPEC section 13 error code has its exception class."""

import pmsg

# SPEC.md section 13, in its order.
SPEC_CODES = [
    "unknown_patient", "recipient_not_reachable", "not_workgroup_member",
    "direct_not_accepted", "invalid_subject", "invalid_body", "invalid_notify_interval",
    "invalid_response_deadline", "invalid_options", "attachment_too_large",
    "attachment_type_not_allowed", "too_many_attachments", "invalid_fee_code",
    "unknown_conversation", "unknown_attachment", "unknown_event", "unknown_staff",
    "unknown_account", "unknown_workgroup", "not_authorized", "conversation_closed",
    "attachments_not_allowed", "attachment_expired", "invalid_argument", "invalid_config",
    "schema_too_new", "storage", "internal", "unknown_group",
]


def camel(code: str) -> str:
    return "".join(w.capitalize() for w in code.split("_"))


def test_each_code_has_an_exception_class() -> None:
    assert len(SPEC_CODES) == 29
    for code in SPEC_CODES:
        cls = getattr(pmsg.PmsgError, camel(code), None)
        assert cls is not None, f"no pmsg.PmsgError.{camel(code)} for {code}"
        assert issubclass(cls, pmsg.PmsgError) and issubclass(cls, Exception)
        e = cls("a message")
        assert str(e) == "a message"


def test_the_library_lists_the_same_codes() -> None:
    assert pmsg.error_codes() == SPEC_CODES
