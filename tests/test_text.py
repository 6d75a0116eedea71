"""Shared text helpers of core/text.py."""

from core.text import book_title


def test_a_title_is_quoted_once_in_book_title_marks():
    assert book_title("扩权强镇试点的实践与思考") == "《扩权强镇试点的实践与思考》"
    assert book_title("《扩权强镇试点的实践与思考》") == "《扩权强镇试点的实践与思考》"
    assert book_title(" 关于《条例》的说明 ") == "《关于《条例》的说明》"
