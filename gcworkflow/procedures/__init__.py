"""The statutory procedures as data: each kind's states, actions, guards, deadlines and the law it speaks
(procedure.md, law.md). The engine runs them; nothing here runs itself.

- :mod:`~gcworkflow.procedures.spec`: the vocabulary (definition, state, action, role, effects, view);
- :mod:`~gcworkflow.procedures.registry`: the definitions by kind and version, and one state machine each;
- :mod:`~gcworkflow.procedures.kind_law`: each kind's articles and words, so no stage borrows another's;
- one module per kind (``designation``, ``change``, ``release``, ``basic_plan``) built from the shared stages
  (``drafting``, ``governor_consultation`` and ``ministry_consultation`` over ``consultation``, ``committee``,
  ``decision``, ``notice``, ``publication``, ``notification``) along ``paths``;
- :mod:`~gcworkflow.procedures.plan_content`: the 조성계획 itself (models, parsing, completeness, money).

The ground floor: pure. It must not import the database, files, Prefect, WeasyPrint or anything above it
(``engine``, ``_engine``, ``db``) — tests/test_layers.py holds it to that.
"""

from gcworkflow.procedures.kind_law import INSPECTION_DAYS, KindLaw
from gcworkflow.procedures.registry import definition, definitions, kinds, machine
from gcworkflow.procedures.spec import (
    ROLE_LABELS,
    Action,
    FactRecord,
    ProcedureDefinition,
    ProcedureView,
    Role,
    State,
)

__all__ = [
    "INSPECTION_DAYS",
    "ROLE_LABELS",
    "Action",
    "FactRecord",
    "KindLaw",
    "ProcedureDefinition",
    "ProcedureView",
    "Role",
    "State",
    "definition",
    "definitions",
    "kinds",
    "machine",
]
