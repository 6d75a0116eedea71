"""The elements of an event a notice gives headings of their own (一、培训时间 / 二、培训地点): 「培训班什么时候开始」
and 「在哪里举办」 are answered by the body under the heading naming the element asked, not by the sentence naming
the event (rag.question.asked_slot, rag.answer._opens_slot; the engine reads the chunks under such a heading)."""

from __future__ import annotations

from pathlib import Path

from rag.engine import AskEngine
from rag.question import asked_slot, names_slot
from rag.retrieve import load_index
from tests.conftest import index_of

NOTICE = (
    "凫山县人民政府办公室\n关于举办2025年村级财务人员培训班的通知\n\n各乡镇人民政府，县直有关单位：\n"
    "为提高村级财务人员业务水平，经县政府同意，决定举办2025年村级财务人员培训班。现将有关事项通知如下：\n\n"
    "一、报名时间\n2025年3月1日至3月5日。\n\n二、培训时间\n2025年3月18日至3月20日，共3天。学员于3月17日报到。\n\n"
    "三、培训地点\n凫山县党校二楼报告厅（和平路12号）。\n\n四、参训对象\n各村报账员，每村1名。\n\n"
    "五、有关要求\n请各乡镇于3月6日前将名单报县财政局。\n\n凫山县人民政府办公室\n2025年2月20日\n"
)
FESTIVAL = (
    "关于举办2025年柳溪杨梅节的通知\n各乡镇：\n为推介本县农特产品，定于2025年6月举办柳溪杨梅节。现将有关事项通知如下：\n\n"
    "一、活动时间\n2025年6月14日上午9:00开幕。\n\n二、活动地点\n柳溪镇滨河广场（滨河路1号）。\n\n"
    "三、参展对象\n全县农民专业合作社、家庭农场。\n\n四、报名方式\n参展单位于6月5日前向所在乡镇农业服务中心报名。\n"
)
OTHER = (
    "关于召开2025年村级财务工作会议的通知\n各乡镇：\n经研究，决定召开全县村级财务工作会议，总结村级财务培训工作。\n"
    "会议在县政府三楼会议室举行，请各乡镇分管领导参加。\n"
)


def _engine(tmp_path: Path) -> AskEngine:
    settings = index_of(tmp_path, {"notice.txt": NOTICE, "meeting.txt": OTHER, "festival.txt": FESTIVAL})
    return AskEngine(load_index(settings), settings)


def test_a_question_asking_a_time_or_place_is_read_as_the_element_a_heading_names():
    assert asked_slot("培训班什么时候开始?") == ("时间", "日期")
    assert asked_slot("培训班在哪里举办?") == ("地点", "地址")
    assert asked_slot("培训班有多少人参加?") == ()
    assert asked_slot("参训名单什么时候截止报送?") == ()
    assert names_slot("村级财务人员培训班什么时候开始?", "二、培训时间", ("时间", "日期"))
    assert names_slot("培训班什么时候开始?", "一、时间", ("时间", "日期"))
    # another event's time (报名) and a line that is no heading do not name it
    assert not names_slot("培训班什么时候开始?", "一、报名时间", ("时间", "日期"))
    assert not names_slot("培训班什么时候开始?", "培训时间另行通知", ("时间", "日期"))


def test_when_and_where_an_event_is_held_are_the_bodies_under_its_time_and_place_headings(tmp_path):
    engine = _engine(tmp_path)
    r = engine.ask("村级财务人员培训班什么时候开始？")
    assert not r.abstained and "2025年3月18日" in r.answer and "3月1日" not in r.answer, r.answer
    r = engine.ask("财务培训班在哪里举办？")
    assert not r.abstained and "党校二楼报告厅" in r.answer and "三楼会议室" not in r.answer, r.answer
    # a deadline asked (名单…截止报送) is no element of the event: not the training's time
    r = engine.ask("培训班名单什么时候截止报送？")
    assert "2025年3月18日" not in r.answer, r.answer
    # the heading of another element's time answers a question about that element
    r = engine.ask("培训班报名时间是什么时候？")
    assert not r.abstained and "3月1日至3月5日" in r.answer, r.answer


def test_who_takes_part_how_to_sign_up_and_where_a_named_event_is_held_are_read_under_their_headings(tmp_path):
    engine = _engine(tmp_path)
    r = engine.ask("财务人员培训班哪些人需要参加？")
    assert not r.abstained and "各村报账员" in r.answer, r.answer
    # the festival's notice calls it 活动 in its headings
    r = engine.ask("杨梅节在哪里举办？")
    assert not r.abstained and "滨河广场" in r.answer and "报告厅" not in r.answer, r.answer
    r = engine.ask("杨梅节怎么报名？")
    assert not r.abstained and "6月5日前向所在乡镇农业服务中心报名" in r.answer, r.answer


def test_the_names_listed_under_a_caption_in_the_section_asked_are_the_answer(tmp_path):
    # prizes per event: 「二、焊工项目」 > 「二等奖」 > numbered names; the rules about prizes name 二等奖 too
    winners = (
        "关于公布2024年凫山县职工技能大赛获奖名单的通知\n各有关单位：\n大赛共设电工、焊工两个项目，评出一等奖2名、二等奖4名。"
        "现将获奖名单公布如下：\n一、电工项目\n一等奖\n1.石文涛 凫山电力检修公司\n二等奖\n1.柳一鸣 翠屿化工公司\n"
        "2.和雨桐 黎川轨道公司\n二、焊工项目\n一等奖\n1.鹤立新 山前重工公司\n二等奖\n1.岫海涛 山前重工公司\n"
        "2.枫秋月 黎川钢构公司\n三、奖励办法\n对获得一等奖的选手给予每人10000元奖励，对获得二等奖的选手给予每人5000元奖励。\n"
    )
    # an article's title line named by a question is no caption over a list: its first paragraph is not quoted whole
    song = ("柳溪谣\n《柳溪谣》，凫山电视台经典电视剧，1978年首播，共40集。本剧由翠屿、黎川等主演。\n"
            "同名主题曲《柳溪谣》由山前秋原唱，鹤鸣作曲及填词。\n")
    settings = index_of(tmp_path, {"winners.txt": winners, "song.txt": song})
    engine = AskEngine(load_index(settings), settings)
    r = engine.ask("焊工项目二等奖是谁？")
    assert not r.abstained and "岫海涛" in r.answer and "枫秋月" in r.answer, r.answer
    assert "柳一鸣" not in r.answer and "鹤立新" not in r.answer, r.answer
    r = engine.ask("电工项目一等奖是谁？")
    assert not r.abstained and "石文涛" in r.answer and "鹤立新" not in r.answer, r.answer
    r = engine.ask("《柳溪谣》同名主题曲的原唱是谁？")
    assert "柳溪谣\n" not in r.answer and "山前秋" in r.answer, r.answer
