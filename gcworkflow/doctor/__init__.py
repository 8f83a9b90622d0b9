"""`gcw doctor`: the installation checked as an operator would before opening it to users (issue 16).

Each check gives one :class:`Finding` — ok, warn or fail — with a Korean message and, unless it is ok, the fix
("조치"). The checks only read: the database through a connection of their own that never creates the SQLite
file, the folders by making and removing one temporary file, the mail server up to EHLO (STARTTLS, login) with
no message sent, Prefect's ``/health``. Any error a check meets is its finding, never an exception: the
command must answer on a machine with no database, an unreadable folder or a URL that is not one.

- :mod:`~gcworkflow.doctor.findings`: the Finding type, the checks' titles in order, the guard every check
  runs under;
- :mod:`~gcworkflow.doctor.settings_checks`: the GCW_… settings (the first check);
- :mod:`~gcworkflow.doctor.examination`: :func:`examine`, every other check in order;
- :mod:`~gcworkflow.doctor.database`: reachable, at the Alembic head, an active administrator;
- :mod:`~gcworkflow.doctor.files`: the local folders, written for real;
- :mod:`~gcworkflow.doctor.documents`: fonts, the PDF engine and its subsetter, the office block, numbering;
- :mod:`~gcworkflow.doctor.mail`: the mail settings as written;
- :mod:`~gcworkflow.doctor.services`: the mail server and the Prefect server, over the network;
- :mod:`~gcworkflow.doctor.trail`: the audit checkpoint, the chain heads, the outbox.

Above the door beside the read models: it reads the storage, the records and the documents' machinery, and
acts through nothing. Only ``gcw doctor`` imports it, and lazily, so ``gcw --help`` stays fast.
"""

from gcworkflow.doctor.examination import examine
from gcworkflow.doctor.findings import TITLES, Finding, Status, failed
from gcworkflow.doctor.services import prefect_api_url
from gcworkflow.doctor.settings_checks import settings_from_environment
from gcworkflow.doctor.trail import CHECKPOINT_MAX_AGE

__all__ = [
    "CHECKPOINT_MAX_AGE",
    "TITLES",
    "Finding",
    "Status",
    "examine",
    "failed",
    "prefect_api_url",
    "settings_from_environment",
]
