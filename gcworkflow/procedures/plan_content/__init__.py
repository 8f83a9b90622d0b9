"""The content of a creation plan (조성계획): procedure.md §4, 법 제11조, 영 제7조 and the basic plan's guideline.

Every section is optional so that a clerk can save an incomplete draft; completeness is a separate question
answered by `missing_items`, which the `request_governor_opinions` guard uses. Whatever *is* written, though,
is validated strictly at once, because a wrong number found only at the committee stage costs a whole round of
consultations.

Pure: no database, no clock, no I/O. What the rest of the code uses is imported from here; inside:

- ``models``: the sections as pydantic models, in the order of §4, and the value types they are made of;
- ``parsing``: reading a plan with every problem listed in Korean, merging sections, the signed digest;
- ``completeness``: what §4 still requires of a draft, each item with its basis;
- ``money``: amounts as a plan and a notice print them (원, 억원).
"""

from gcworkflow.procedures.plan_content.completeness import (
    GUIDELINE_BASIS,
    MissingItem,
    is_complete,
    missing_items,
)
from gcworkflow.procedures.plan_content.models import (
    FUNDING_SOURCES,
    MAX_AREA_M2,
    BasicPlanConsistency,
    CreationPeriod,
    Facilities,
    Facility,
    FeasibilityAnalysis,
    Financing,
    FinancingItem,
    GreenInnovationIndustry,
    NecessityEffects,
    OperationPlan,
    PlanContent,
    PlanRegion,
    PlanSigungu,
    ResearchInstitution,
    TenantAttractionPlan,
    competent_sido_codes,
)
from gcworkflow.procedures.plan_content.money import format_krw, format_krw_eok
from gcworkflow.procedures.plan_content.parsing import (
    PlanProblem,
    PlanValidationError,
    merge_plan,
    parse_plan,
    plan_digest,
)

__all__ = [
    "FUNDING_SOURCES",
    "GUIDELINE_BASIS",
    "MAX_AREA_M2",
    "BasicPlanConsistency",
    "CreationPeriod",
    "Facilities",
    "Facility",
    "FeasibilityAnalysis",
    "Financing",
    "FinancingItem",
    "GreenInnovationIndustry",
    "MissingItem",
    "NecessityEffects",
    "OperationPlan",
    "PlanContent",
    "PlanProblem",
    "PlanRegion",
    "PlanSigungu",
    "PlanValidationError",
    "ResearchInstitution",
    "TenantAttractionPlan",
    "competent_sido_codes",
    "format_krw",
    "format_krw_eok",
    "is_complete",
    "merge_plan",
    "missing_items",
    "parse_plan",
    "plan_digest",
]
