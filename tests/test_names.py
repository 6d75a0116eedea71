import pytest

from core.errors import Invalid, UnsupportedMedia
from core.settings import Settings
from ingest.names import check_upload_name

ALLOWED = Settings().upload_extensions


@pytest.mark.parametrize("name", ["关于石门镇开展...试点的批复.txt", "桂花镇 2023年 扩权强镇（定稿）.txt", "a..b.docx",
                                  "报告.v2.final.PDF", "扫描件.png", "台账.xlsx", "通知.ofd", "旧稿.doc", "旧稿.wps"])
def test_any_name_that_is_not_a_path_is_accepted(name):
    assert check_upload_name(name, ALLOWED) == name


@pytest.mark.parametrize("name", ["../x.txt", "a/../x.txt", "/abs/x.txt", "..\\x.txt", "a\x00.txt", "a\nb.txt",
                                  "x" * 300 + ".txt", "", "..", ".txt", " .txt"])
def test_paths_control_characters_and_over_long_names_are_refused(name):
    with pytest.raises(Invalid):
        check_upload_name(name, ALLOWED)


def test_an_extension_outside_the_allowed_set_is_unsupported():
    with pytest.raises(UnsupportedMedia):
        check_upload_name("setup.exe", ALLOWED)


def test_new_formats_are_accepted_as_uploads_and_titled_from_their_file_name(settings):
    from rag.service import RagService, Upload
    from tests.conftest import FIXTURES

    service = RagService(settings)
    summary = service.upload([Upload("城关镇民生项目台账（2024）.xlsx", (FIXTURES / "projects.xlsx").read_bytes()),
                              Upload("通知...定稿.ofd", (FIXTURES / "notice.ofd").read_bytes())])
    assert summary.added == 2 and not summary.skipped
    titles = {d.title for d in service.documents()}
    assert "城关镇民生项目台账（2024）" in titles or "民生项目" in titles
    answer = service.ask("自来水厂的投资额是多少万元？")
    assert "860" in answer.answer and "8602024" not in answer.answer
