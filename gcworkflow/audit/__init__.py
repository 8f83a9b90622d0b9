"""The tamper-evident audit trail (DESIGN.md §2), below the door: the engine appends to it inside an action's
transaction; everything else only reads it.

- :mod:`~gcworkflow.audit.chain`: events sealed into hash chains (one per procedure, one for the system);
- :mod:`~gcworkflow.audit.checkpoints`: every chain head hashed at one moment, printable as one line;
- :mod:`~gcworkflow.audit.verify`: the whole trail (or what came after a checkpoint) walked and compared with
  what each action wrote and the stored documents (:mod:`scan`, :mod:`walk`, :mod:`records`, :mod:`report`),
  and the current rows with the chains' projection (:mod:`projection`, :mod:`replay`, :mod:`findings`);
- :mod:`~gcworkflow.audit.archive`: one procedure's records as a self-verifying archive;
- :mod:`~gcworkflow.audit.queries`: the auditors' questions (who did what, refusals, late notifications…).

The package never imports the engine, ``_engine``, the automation or the interfaces (CLI, web, flows): it
must be possible to verify a trail with nothing above it running.
"""

from gcworkflow.audit.chain import (
    GENESIS,
    SYSTEM_CHAIN,
    Appended,
    ChainHead,
    EventInput,
    append,
    append_system,
    procedure_chain,
    procedure_chain_of,
    seal,
)
from gcworkflow.audit.checkpoints import (
    CheckpointLine,
    checkpoint,
    checkpoint_line,
    checkpoint_unless_current,
    latest_checkpoint,
)
from gcworkflow.audit.report import Problem, Progress, VerifyReport
from gcworkflow.audit.verify import verify, verify_database

__all__ = [
    "GENESIS",
    "SYSTEM_CHAIN",
    "Appended",
    "ChainHead",
    "CheckpointLine",
    "EventInput",
    "Problem",
    "Progress",
    "VerifyReport",
    "append",
    "append_system",
    "checkpoint",
    "checkpoint_line",
    "checkpoint_unless_current",
    "latest_checkpoint",
    "procedure_chain",
    "procedure_chain_of",
    "seal",
    "verify",
    "verify_database",
]
