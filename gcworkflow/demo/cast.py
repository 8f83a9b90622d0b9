"""Who and what the demo is about: its cast, the 구미 cluster, the addresses its letters go to, the committee,
and the data files bundled with it."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

ADMIN, KIM, LEE, PARK, CHOI = "admin", "kim", "lee", "park", "choi"
CAST = (
    (KIM, "김하늘", ["clerk"]),
    (LEE, "이도윤", ["clerk"]),
    (PARK, "박서연", ["approver"]),
    (CHOI, "최민준", ["committee_secretary"]),
)
GUMI = "첨단 전자산업 자원순환 녹색융합클러스터"
MEETING = "중앙환경정책위원회 환경경제분과위원회"
# Illustrative addresses (example.kr): the demo's mail goes to the Maildir under GCW_VAR_DIR, not out.
CONTACTS = {
    "governor:47": "env-policy@gyeongbuk.example.kr",
    "ministry:산업통상부": "industry@motie.example.kr",
    "ministry:국토교통부": "land@molit.example.kr",
    "ministry:고용노동부": "labor@moel.example.kr",
}
# The handling unit a letter's 수신 line names (illustrative).
UNITS = {"governor:47": "환경정책과"}
MEMBERS = ["강위원", "고위원", "남위원", "문위원", "서위원", "오위원", "윤위원"]


def data(name: str) -> Any:
    return yaml.safe_load(resources.files("gcworkflow.demo").joinpath(name).read_text(encoding="utf-8"))
