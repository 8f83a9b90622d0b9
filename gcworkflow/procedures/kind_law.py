"""What a procedure kind says and on which articles (procedure.md §3, "Each kind speaks its own law").

The kinds walk the same stages (``paths``), but never share words or bases: each kind module defines one
``KindLaw``, and the stages, guards, letters, notices, deadline labels and refusals read it. A stage that needs an
article asks the kind's law for it; no stage module names an article of 법 제6조, 제9조 or 제12조 itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gcworkflow.korean import particle

# The Act's title as a letter or notice names it the first time; later references say "같은 법".
LAW_TITLE = "「녹색융합클러스터의 조성 및 육성에 관한 법률」"
# 법 제9조④ (and as 제12조④ applies it): the governor opens it to residents "14일 이상".
INSPECTION_DAYS = 14


@dataclass(frozen=True)
class KindLaw:
    """One kind's legal vocabulary. ``*_basis`` are citations in the long form ("녹색융합클러스터법 제9조제1항");
    ``*_clause`` are the same articles as a sentence says them after the Act's title or "같은 법"
    ("제12조제4항에서 준용하는 제9조제3항")."""

    subject: str  # what the Minister draws up, changes or releases: 조성계획, 기본계획, 지정
    verb: str  # 수립, 변경, 해제, 수립·변경
    hear_basis: str  # opinions of the 시·도지사 and consultation of the ministries
    hear_clause: str
    governors: str  # whose opinion: 관할 시·도지사, or every 시·도지사 (법 제6조②)
    decide_basis: str  # the Minister's power to decide
    notice_basis: str  # the gazette notice
    notify_basis: str  # notifying the governors without delay
    notify_clause: str
    inspection_basis: str | None  # the residents' 14-day inspection; None where the law has none (법 제6조⑤)
    inspection_clause: str | None
    notice_clause: str  # the article of the notice's basis sentence
    # What the notice must contain: 규칙 제3조 for a cluster, 법 제6조⑤ for the basic plan.
    notice_items_basis: str
    result: str  # what the notification reports: "지정", "조성계획 변경", "지정 해제", "수립·변경"
    attachment: str  # what the letters enclose about the matter: "조성계획(요약)", "기본계획(안)" …
    # The document made for that attachment (documents/enclosures.py): plan_summary, plan_change_table,
    # release_scope, basic_plan_summary.
    enclosure: str
    # 영 제5조's optional hearing of residents, experts and institutions: designation and full changes only.
    hearing_basis: str | None = None
    # The variant a minor change speaks (법 제12조④ 단서: 제9조 does not apply at all, so no inspection).
    minor: KindLaw | None = None
    # Where one kind covers both 수립 and 변경 (the basic plan), the words of each, by what the plan's record
    # says it is ("establishment", "change"); the kind's own words (수립·변경) label its actions.
    variants: tuple[tuple[str, KindLaw], ...] = ()

    @property
    def has_inspection(self) -> bool:
        return self.inspection_basis is not None

    def at(self, view: Any) -> KindLaw:
        """The law the procedure in ``view`` speaks now: the minor variant once a minor change was applied; for
        the basic plan, its establishment's or its change's words as its record says."""
        applied = view.fact("change_applied")
        if self.minor is not None and applied is not None and applied.data.get("minor"):
            return self.minor
        planned = view.fact("basic_plan_change")
        for name, law in self.variants:
            if planned is not None and planned.data.get("change") == name:
                return law
        return self

    def matter(self, name: str) -> str:
        """What a letter is about: "… 조성계획", "… 조성계획 변경", "… 지정 해제", or the basic plan's name."""
        if self.subject == "기본계획":
            return name
        return f"{name} {self.subject}" if self.verb == "수립" else f"{name} {self.subject} {self.verb}"

    def intent(self, name: str) -> str:
        """The opinion letter's purpose: "… 조성계획을 붙임과 같이 수립하였으며" and its kin."""
        subject = f"{name} {self.subject}" if self.subject != "기본계획" else name
        # 법 제9조① "조성계획을 수립하여 … 의견을 듣고"; 제6조② "기본계획을 수립하려는 경우에는".
        if self.verb == "수립" and self.subject != "기본계획":
            return f"{subject}{particle(subject, '을')} 붙임과 같이 수립하였으며"
        return f"{subject}{particle(subject, '을')} 붙임과 같이 {self.verb_phrase}하려 하며"

    @property
    def verb_phrase(self) -> str:
        """The verb as a sentence says it: 수립, 변경, 해제, or 수립(변경) for both."""
        return "수립(변경)" if self.verb == "수립·변경" else self.verb


def applying_article_9(law: str, **own: Any) -> KindLaw:
    """A full change or a release (법 제12조④, "제9조를 준용"): the decision of 제12조①, and the notice,
    notification and inspection of 제9조③④ as 제12조④ applies them; the hearing, words and result are the
    kind's own (``own``). ``law``: the Act's short name, as the kind modules cite it."""
    return KindLaw(
        governors="관할 시·도지사",
        decide_basis=f"{law} 제12조제1항",
        notice_basis=f"{law} 제12조제4항(제9조제3항 준용)",
        notify_basis=f"{law} 제12조제4항(제9조제3항 준용)",
        notify_clause="제12조제4항에서 준용하는 제9조제3항",
        inspection_basis=f"{law} 제12조제4항(제9조제4항 준용)",
        inspection_clause="제12조제4항에서 준용하는 제9조제4항",
        notice_clause="제12조제1항 및 제4항",
        notice_items_basis=f"{law} 시행규칙 제3조",
        **own,
    )
