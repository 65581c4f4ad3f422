"""The text pipeline through its API and its CLI."""

import csv
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace

TEXTS = ["الموظفين رائعين والخدمة ممتازة", "The delivery was late and support never answered.", ""]


def test_analyze_endpoint_keeps_order_and_contract(client: TestClient, session: Session) -> None:
    _, token = make_token(session, make_workspace(session), Role.ANALYST)
    response = client.post(
        "/api/v1/text/analyze", json={"texts": TEXTS}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    assert results[0]["language"] == "ar" and results[0]["sentiment"]["label"] == "positive"
    assert results[1]["language"] == "en" and results[1]["sentiment"]["label"] == "negative"
    assert {"topics", "intent", "emotion", "key_phrases"} <= results[2].keys()
    assert all(-1 <= result["sentiment"]["score"] <= 1 for result in results)


def test_analyze_endpoint_limits_and_roles(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _, analyst = make_token(session, workspace, Role.ANALYST)
    _, viewer = make_token(session, workspace, Role.VIEWER)
    too_many = client.post(
        "/api/v1/text/analyze",
        json={"texts": ["x"] * 1001},
        headers={"Authorization": f"Bearer {analyst}"},
    )
    assert too_many.status_code == 422
    assert too_many.json()["error"]["details"][0]["field"] == "texts"
    refused = client.post(
        "/api/v1/text/analyze", json={"texts": ["x"]}, headers={"Authorization": f"Bearer {viewer}"}
    )
    assert refused.status_code == 403


def test_cli_annotates_a_csv_file(tmp_path: Path) -> None:
    source = tmp_path / "comments.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "comment"])
        writer.writerows([[index, text] for index, text in enumerate(TEXTS)])
    result = CliRunner().invoke(cli, ["text", "analyze", str(source), "--column", "comment"])
    assert result.exit_code == 0, result.output
    with (tmp_path / "comments.annotated.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["comment"] for row in rows] == TEXTS
    assert rows[0]["sentiment"] == "positive" and rows[1]["language"] == "en"
    missing = CliRunner().invoke(cli, ["text", "analyze", str(source), "--column", "nope"])
    assert missing.exit_code == 1 and "no column named 'nope'" in missing.output
