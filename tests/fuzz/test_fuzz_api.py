"""schemathesis against live uvicorn from openapi.yaml: no 5xx, every answer as documented.

Each operation gets a few hundred generated requests, valid and invalid (``mode: all``), and
a stateful run follows the spec's links (/recommend -> /content/{id}/similar -> ...). Checks:
every check schemathesis has: no server error; documented status, content type, headers and
body schema; invalid input refused with a 4xx and valid input accepted; auth not ignored;
required headers, methods, Allow headers and resources as documented.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from fuzz_support import ADMIN_KEY, API_KEY
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import load_all_checks

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]  # about 80 s on 2 cores, training included

ROOT = Path(__file__).resolve().parents[2]
# RECSVC_TEST_FUZZ_EXAMPLES raises the budget for a long local run; CI keeps the default
EXAMPLES = int(os.environ.get("RECSVC_TEST_FUZZ_EXAMPLES", "200"))
# the same examples on every run, so a red CI always means the code changed, never the dice;
# RECSVC_TEST_FUZZ_RANDOM=1 explores new ones locally (and a find becomes a fixed test)
DERANDOMIZE = os.environ.get("RECSVC_TEST_FUZZ_RANDOM", "") != "1"


def _config(mode: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "generation": {"mode": mode, "max-examples": EXAMPLES},
            "checks": {
                # 413 is how an oversized (schema-violating) body is refused
                "negative_data_rejection": {
                    "expected-statuses": [400, 401, 403, 404, 405, 413, 422]
                },
            },
            "auth": {
                "openapi": {"ApiKey": {"api_key": API_KEY}, "AdminKey": {"api_key": ADMIN_KEY}}
            },
        }
    )


# each operation: valid and invalid requests
schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml", config=_config("all"))
# workflows follow links from real answers with valid requests: invalid input is the
# operation tests' job, and a run that depends on live answers cannot replay fixed examples
workflows = schemathesis.openapi.from_path(ROOT / "openapi.yaml", config=_config("positive"))

# Every check schemathesis has, positive data acceptance ("a schema-valid request was
# rejected") and authentication included: unknown ids in a request are answered with
# warnings, or a 404 where the id is what the request asks about (never a 422).
load_all_checks()
CHECKS = list(REGISTERED_CHECKS.get_all())
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=DERANDOMIZE,
    deadline=None,  # speed is measured by the benchmarks, not asserted here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_every_check_runs():
    names = {check.__name__ for check in CHECKS}
    assert {"positive_data_acceptance", "negative_data_rejection", "ignored_auth"} <= names
    assert len(names) >= 14, sorted(names)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_openapi_yaml(case, live):
    case.call_and_validate(
        base_url=live.base_url,
        session=live.session,
        checks=CHECKS,
        timeout=30,
    )


def test_stateful_workflows_follow_the_links(live):
    machine = workflows.as_state_machine()
    seen: set[tuple[str, int]] = set()

    class Workflow(machine):  # type: ignore[valid-type,misc]
        def get_call_kwargs(self, case):
            return {"base_url": live.base_url, "session": live.session, "timeout": 30}

        def after_call(self, response, case):
            super().after_call(response, case)
            seen.add((f"{case.method} {case.operation.path}", response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflow.run(
        settings=settings(
            max_examples=max(EXAMPLES // 4, 10),
            stateful_step_count=6,
            derandomize=DERANDOMIZE,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # random content ids only find 404s: a 200 here means a link from an answer was followed
    assert ("GET /content/{content_id}/similar", 200) in seen, sorted(seen)
