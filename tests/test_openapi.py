"""``/api/openapi.json`` is built from the routes, and the live server keeps its word.

Schemathesis reads the document the server serves, generates requests from it (valid and
invalid ones) and sends them to the real app on a real port, with and without an
organiser's session; every answer must be no 5xx and match the document (status, content
type, headers, body schema).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks as openapi_checks
from starlette.routing import Route

from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer

ORGANISER = ("olga", "organiser password")
POSTS = 12
MAX_ID = 2**63 - 1  # the largest id SQLite holds


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(Path(tmp_path_factory.mktemp("openapi")) / "data").start()
    try:
        live.add_user(*ORGANISER, "organiser")
        for n in range(POSTS):
            live.ingest("jpo", make_post(f"Post {n}", network_id=f"fuzz-{n}"))
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def organiser(server: LiveServer) -> Client:
    client = Client(server.url)
    assert client.login(*ORGANISER).status == 200
    return client


@pytest.fixture(autouse=True)
def _node_id(request: pytest.FixtureRequest) -> None:
    # Schemathesis 4.32 renames the running test after each operation through
    # ``node._nodeid``, an attribute pytest 9.2 no longer has: give it one.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture(scope="module")
def successes() -> Iterator[set[str]]:
    """The operations that answered the organiser with a success.

    Checked once the organiser's run is over: if the session were not sent, every answer
    would be a well-documented 401 and the run would prove little.
    """
    reached: set[str] = set()
    yield reached
    if reached:
        assert len(reached) >= 20, sorted(reached)
        assert "POST /api/events/{event}/posts/{id}/approve" in reached


def _served(server: LiveServer) -> schemathesis.BaseSchema:
    """The document the server serves, aimed at its event and at posts that exist."""
    api = schemathesis.openapi.from_url(
        f"{server.url}/api/openapi.json", config=schemathesis.Config.from_dict({})
    )
    # A generated slug is never an event, and a generated id almost never a post: the
    # event is ``jpo``, and valid ids land on the posts made above (1 to POSTS), or
    # just past them; invalid ids (negative, huge, text) are sent as generated.
    api.config.update(parameters={"event": "jpo"})

    @api.hook
    def map_path_parameters(context: Any, path: dict[str, Any] | None) -> Any:
        post_id = (path or {}).get("id")
        if path and isinstance(post_id, int) and 1 <= post_id <= MAX_ID:
            path["id"] = 1 + post_id % (POSTS + 2)
        return path

    return api


@pytest.fixture
def api(server: LiveServer) -> schemathesis.BaseSchema:
    return _served(server)


@pytest.fixture
def organiser_api(server: LiveServer, organiser: Client) -> schemathesis.BaseSchema:
    """The document, with the organiser's session (cookie and CSRF header) as its auth, so
    Schemathesis also tries each operation without it."""
    api = _served(server)
    cookies = {c.name: c.value for c in organiser.jar}
    token = organiser.csrf

    class Session:
        def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str | None:
            return token

        def set(
            self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext
        ) -> None:
            case.cookies = {**(case.cookies or {}), **cookies}
            case.headers = {**(case.headers or {}), "X-CSRF-Token": data}

    api.auth.auth(refresh_interval=None)(Session)
    return api


# JSON Schema's ``format`` is an annotation, and a text of spaces is still a string: the
# server is stricter than the document can say, so a refused "valid" input is no failure.
LENIENT = [openapi_checks.positive_data_acceptance]

schema = schemathesis.pytest.from_fixture("api")
with_session = schemathesis.pytest.from_fixture("organiser_api")
FUZZ = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_every_answer_to_an_anonymous_client_keeps_the_documents_word(case):
    # A mutating request without a session meets the CSRF check before the router, so an
    # undeclared method gets 403, not 405: that check runs with the organiser's session.
    case.call_and_validate(excluded_checks=[*LENIENT, openapi_checks.unsupported_method])


@(
    with_session.exclude(path="/api/logout")
    .exclude(path_regex="/settings$", method="PATCH")
    .parametrize()
)
@FUZZ
def test_every_answer_to_an_organiser_keeps_the_documents_word(case, successes):
    response = case.call_and_validate(excluded_checks=LENIENT)
    if response.status_code < 300:
        successes.add(case.operation.label)


def test_the_document_describes_every_api_route_and_nothing_else(server):
    doc = Client(server.url).get("/api/openapi.json").json()
    described = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    served = {
        (r.path, method)
        for r in server.app.routes
        if isinstance(r, Route) and r.path.startswith("/api/") and r.methods
        for method in r.methods - {"HEAD"}
    }
    assert described == served


@pytest.fixture(scope="module")
def document(server: LiveServer) -> dict[str, Any]:
    reply = Client(server.url).get("/api/openapi.json")
    assert reply.status == 200
    doc: dict[str, Any] = reply.json()
    return doc


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _schema(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_reference_in_the_document_resolves(document):
    schemas = document["components"]["schemas"]
    refs = set(_refs(document))
    assert refs, "the document refers to no schema"
    for ref in refs:
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref


def test_the_login_body_says_user_name_and_password_cannot_be_empty(document):
    body = document["paths"]["/api/login"]["post"]["requestBody"]
    schema = _schema(document, body["content"]["application/json"]["schema"])
    assert body["required"] is True
    assert schema["required"] == ["username", "password"]
    for field in ("username", "password"):
        assert schema["properties"][field]["minLength"] == 1


def test_every_json_body_documents_400_413_and_415(document):
    bodies = 0
    for path, method, operation in _operations(document):
        if "requestBody" in operation:
            bodies += 1
            assert {"400", "413", "415"} <= set(operation["responses"]), (method, path)
    assert bodies >= 15


def test_actions_take_an_optional_body_with_reason_and_override(document):
    post = "/api/events/{event}/posts/{id}"
    for action in ("approve", "reject", "remove", "restore", "pin", "hide-media", "undo"):
        body = document["paths"][f"{post}/{action}"]["post"]["requestBody"]
        assert body["required"] is False, action
    for action in ("approve", "reject", "remove", "restore", "pin", "spotlight"):
        body = document["paths"][f"{post}/{action}"]["post"]["requestBody"]
        schema = _schema(document, body["content"]["application/json"]["schema"])
        assert {"reason", "override"} <= set(schema["properties"]), action
        assert schema.get("additionalProperties") is False


def test_a_refused_action_documents_the_current_post_and_the_claim(document):
    for action in ("approve", "claim", "pin", "block-author"):
        answer = document["paths"][f"/api/events/{{event}}/posts/{{id}}/{action}"]["post"]
        schema = _schema(
            document, answer["responses"]["409"]["content"]["application/json"]["schema"]
        )
        assert {"error", "post", "claim"} <= set(schema["properties"]), action


def test_every_error_is_documented_as_json(document):
    for path, method, operation in _operations(document):
        for status, answer in operation["responses"].items():
            if int(status) >= 400:
                assert list(answer["content"]) == ["application/json"], (method, path, status)


def test_an_api_route_without_a_description_fails_the_build():
    from wall.web.openapi import openapi_document

    async def undescribed(request: Any) -> Any:
        raise AssertionError("never called")

    with pytest.raises(LookupError, match="/api/undescribed has no description"):
        openapi_document([Route("/api/undescribed", undescribed)])
