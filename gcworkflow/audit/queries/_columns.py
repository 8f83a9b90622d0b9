"""The columns several answers carry; each answer composes its table from these and its own, so a column
reads the same wherever it appears."""

from gcworkflow.audit.queries._base import Column

EVENT_ID = Column("event_id", "사건")
AT_KST = Column("occurred_at_kst", "시각(KST)")
AT_UTC = Column("occurred_at", "시각(UTC)", False)
PROCEDURE_ID = Column("procedure_id", "절차")
PROCEDURE_TITLE = Column("procedure_title", "절차 이름", False)
TITLE = Column("title", "절차 이름", False)
KIND = Column("kind", "종류", False)
VERSION = Column("version", "판", False)
CLOSED = Column("closed", "종료", False)
ACTOR = Column("actor", "행위자")
INTERFACE = Column("interface", "경로", False)
OS_USER = Column("os_user", "OS 사용자", False)
TRIGGER = Column("trigger", "처리 코드", False)
ACTION = Column("label", "처리")
RECORDED_BY = Column("recorded_by", "기록자", False)
BASIS = Column("basis", "근거", False)
HASH = Column("hash", "해시(SHA-256)", False)
