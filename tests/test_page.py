"""The chat page and its launcher without a browser: what the page computes, and how the launcher serves it."""

from __future__ import annotations

import httpx

from tests.server import running
from ui.launcher import PAGE_LOCALE, build_app
from ui.page import _citation_choices


def _cite(n: int, title: str, quote: str) -> dict:
    return {"n": n, "doc_title": title, "quote": quote}


def test_the_citation_picker_lists_each_citation_number_once():
    result = {"citations": [_cite(1, "甲", "第一句。"), _cite(1, "甲", "第二句。"), _cite(2, "乙", "第三句。")]}
    assert _citation_choices(result) == ["[1] 《甲》", "[2] 《乙》"]


def test_unknown_routes_under_the_page_answer_with_the_error_envelope(small_index, caplog):
    with caplog.at_level("INFO", logger="ragqa.access"), running(build_app(small_index)) as base:
        r = httpx.get(base + "/no/such/page")
        assert r.status_code == 404 and set(r.json()) == {"error"} and r.json()["error"]["code"] == "not_found"
        page = httpx.get(base + "/")
        assert page.status_code == 200 and f"'{PAGE_LOCALE}'" in page.text.split("</head>")[0]
        assert int(page.headers["content-length"]) == len(page.content)
        assert httpx.get(base + "/v1/models").json()["data"][0]["id"] == "ragqa"  # the API beside the page
        wrong = httpx.put(base + "/v1/ask")  # an API path with a method it does not take
        assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
        assert wrong.headers["allow"] == "POST"
    assert "PUT /v1/ask 405 " in caplog.text and "GET /no/such/page 404 " in caplog.text
