"""gcworkflow — 녹색융합클러스터 법정 절차 워크플로 엔진.

Start at :func:`gcworkflow.engine.fire`: every action — a clerk's, an approver's, a flow's — goes through that
door, in one transaction (state, audit event, deadlines, outbox). The floors, lowest first; a module imports
from its own floor or below, never above (tests/test_layers.py):

1. ground, pure: ``procedures/`` (the statutes as data), ``calendar/`` (holidays, periods), ``reference/``
   (시·도, authorities), ``korean``, ``canonical``, ``clock``, ``errors``, ``settings``, ``validation``,
   ``local_files``, ``faults``, ``logs`` (the operators' log lines), ``law_map`` and ``diagram`` (the
   documentation generated from the definitions);
2. storage: ``db/`` (tables, sessions, migrations), ``documents/`` (content, numbering, rendering as tagged
   PDF/A, the office's PAdES signature and its verification, the HWPX twins, the content-addressed store),
   ``context`` (what every interface hands the engine);
3. records below the door: ``audit/`` (chains, checkpoints, verification, archive, the auditors' questions),
   ``backup/`` (every table at one snapshot and the documents in one archive, restored into either database),
   ``deadlines``, ``notify/`` (the outbox and its channels), ``access`` (roles, assignment, 대결);
4. the door's machinery: ``_engine/`` (row lock, view, guards, writes, sign-off) — only ``engine`` uses it;
5. the door: ``engine``;
6. above the door: ``automation/`` (after-commit work: documents issued, notifications, checkpoints),
   ``people``, ``clusters``, ``contacts``, ``holiday_overrides``, ``queries`` (the desk's read models),
   ``doctor`` (the installation checked, read only), ``metrics`` (what ``/metrics`` reads from the records),
   ``exports`` (an issued document's PDF or HWPX for a reader), ``public_register`` (only what a 고시 made
   public: the register, its open data and feed);
7. interfaces: ``cli/`` (``gcw``), ``web/`` (the desk and the API), ``demo/``; the Prefect flows live in
   ``flows/`` beside the package and call ``automation``.
"""
