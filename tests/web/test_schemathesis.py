"""schemathesis against the served OpenAPI schema: whatever a script sends, valid or not, the API answers with
one of its refusals, never a server error (500)."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.support import ADMIN, APPROVER, CLERK
from tests.web.conftest import Desk

# Examples per operation and mode; raise it for a longer hunt (GCW_SCHEMATHESIS_EXAMPLES=200).
EXAMPLES = int(os.environ.get("GCW_SCHEMATHESIS_EXAMPLES", "5"))
# Admin operations last: they may deactivate the cast or revoke tokens, which would hide the rest behind 401s.
ADMIN_TAGS = ("사용자", "공휴일")


def _token_for(desk: Desk, tags: list[str], path: str) -> str:
    if any(tag in ADMIN_TAGS for tag in tags):
        user, role = ADMIN, "admin"
    elif path.startswith("/api/proposals/"):
        user, role = APPROVER, "approver"
    else:
        user, role = CLERK, "clerk"
    return desk.api(user, role).headers["authorization"]


def _no_server_error(operation: schemathesis.APIOperation, mode: GenerationMode, authorization: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case) -> None:
        response = case.call(headers={**(case.headers or {}), "authorization": authorization}, timeout=30)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} → {response.status_code}\n{case.as_curl_command()}\n"
            f"{response.text[:800]}"
        )

    try:
        call()
    except Unsatisfiable:
        # Nothing in this operation can be made invalid (no parameters, no body).
        assert mode is GenerationMode.NEGATIVE, f"{operation.method} {operation.path}"


def test_no_generated_request_gets_a_server_error(desk: Desk) -> None:
    schema = schemathesis.openapi.from_url(f"{desk.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: any(t in ADMIN_TAGS for t in (op.definition.raw.get("tags") or [])))
    assert len(operations) > 30
    for operation in operations:
        authorization = _token_for(desk, operation.definition.raw.get("tags") or [], operation.path)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _no_server_error(operation, mode, authorization)
