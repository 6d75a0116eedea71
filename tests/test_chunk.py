import re

import pytest

from ingest.articles import Document, documents_from_text
from ingest.chunk import chunk_document, sentence_spans
from ingest.headings import heading_level, heading_title
from tests.conftest import CHAPTER_SECTIONS


def test_heading_levels_of_gongwen_markers_nest_chapter_section_item_in_order():
    order = ["第三章 总则", "第二节 机构设置", "一、实行“强镇扩权”的动因", "（二）镇政府", "1.“强乡扩权”改革有利于疏通乡镇管理症结。",
             "（1）加强培训", "③丙类。"]
    levels = [heading_level(h) for h in order]
    assert None not in levels and levels == sorted(set(levels)), levels
    assert heading_level("第1章 总则") == heading_level("第十二章 附则") == heading_level("第三章 总则")
    assert heading_level("第一节 机构设置") == heading_level("第2节 职责分工") == levels[1]
    assert heading_level("第十二条 乡镇") == levels[2]
    assert heading_level("(二)镇政府的职能定位不明确。") == levels[3]
    assert heading_level("1.5倍的增长") is None
    assert heading_level("乡镇是我国最基层的政权组织") is None
    assert heading_level("第一节课由校长讲授。") is None


def test_ordinal_headings_are_titled_with_a_space_after_the_ordinal():
    assert heading_title("第二章组织与职责") == heading_title("第二章\u3000组织与职责") == "第二章 组织与职责"
    assert heading_title("第一节 机构设置") == "第一节 机构设置"
    # an article is named by its marker: what follows is its text, not a title to cut at a comma
    assert heading_title("第四条 三个村的农户数分别为320，410户。") == heading_title("第四条三个村的农户数分别为320户。") == "第四条"
    assert heading_title("一、领导小组") == "一、领导小组"


def test_chapter_and_section_headings_start_chunks_and_nest_in_the_section_path():
    text = ("第一章 总则\n为规范日常工作，制定本规程。\n第二章 组织与职责\n第一节 机构设置\n一、领导小组\n"
            "领导小组负责统筹协调。\n二、工作专班\n工作专班负责日常事务。\n第二节 职责分工\n一、综合科\n"
            "综合科负责文件收发。\n第十二章 附则\n本规程自发布之日起施行。")
    chunks = chunk_document(Document("d", "规程", "s", text), 200, 400)
    assert [c.section for c in chunks] == CHAPTER_SECTIONS
    # a heading is never the tail of the chunk before it
    assert [c.text.split("\n")[0] for c in chunks] == ["第一章 总则", "第二章 组织与职责", "二、工作专班", "第二节 职责分工",
                                                      "第十二章 附则"]


def test_heading_title_stops_at_a_nested_heading():
    assert heading_title("一、强镇扩权改革的主要做法1.扩大人事管理权,突破干部管理瓶颈。") == "一、强镇扩权改革的主要做法"
    assert heading_title("一、实行“强镇扩权”的动因(一)经济社会发展的必然要求。") == "一、实行“强镇扩权”的动因"


def test_sentences_break_at_inline_headings():
    text = "一、实行“强镇扩权”的动因(一)经济社会发展的必然要求。近年来,我区镇经济社会得到了快速发展。"
    parts = [text[s.start : s.end] for s in sentence_spans(text)]
    assert parts == ["一、实行“强镇扩权”的动因", "(一)经济社会发展的必然要求。", "近年来,我区镇经济社会得到了快速发展。"]


@pytest.mark.parametrize("target,max_chars", [(120, 200), (220, 360), (400, 600)])
def test_chunks_respect_sizes_offsets_and_sentence_ends(corpus_text, target, max_chars):
    for doc in documents_from_text(corpus_text, "c.txt"):
        chunks = chunk_document(doc, target, max_chars)
        assert chunks
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text  # offsets point at the exact span
            assert len(c.text) <= max_chars
        for a, b in zip(chunks, chunks[1:], strict=False):
            assert a.end <= b.start
            # a chunk ends at a sentence end, a line end, or before a heading / over-long split
            tail = doc.text[a.end - 1]
            nxt = doc.text[b.start : b.start + 6]
            assert re.match(r"[。！？!?；;”’)）\n]", tail) or doc.text[a.end] == "\n" or heading_level(nxt) is not None \
                or re.match(r"[(（]", nxt) or (b.start - a.start) >= max_chars // 3


def test_each_chunk_knows_its_section_path():
    doc = Document("d1", "t", "s", "一、主要做法\n1.扩大人事管理权。\n" + "加大镇党委对班子调配使用的建议力度。" * 8
                   + "\n2.扩大项目决策权。\n" + "下放镇本级投资项目建议书。" * 8)
    chunks = chunk_document(doc, 120, 200)
    sections = [c.section for c in chunks]
    assert sections[0].startswith("一、主要做法")
    assert any(s.endswith("2.扩大项目决策权") for s in sections)
    assert all(" > " in s for s in sections[1:])


def test_chunk_ids_are_stable_and_depend_on_content():
    doc = Document("d1", "t", "s", "第一句话。第二句话。")
    other = Document("d1", "t", "s", "第一句话。第三句话。")
    assert chunk_document(doc, 100, 200)[0].chunk_id == chunk_document(doc, 100, 200)[0].chunk_id
    assert chunk_document(doc, 100, 200)[0].chunk_id != chunk_document(other, 100, 200)[0].chunk_id


def test_a_sentence_longer_than_the_maximum_is_split_at_commas():
    long = "，".join(["乡镇社会事务管理大多处于有责无权的尴尬境地"] * 20) + "。"
    chunks = chunk_document(Document("d", "t", "s", long), 100, 150)
    assert len(chunks) > 1 and all(len(c.text) <= 150 for c in chunks)


def test_a_long_sentence_is_never_cut_inside_a_number_date_title_or_quotation():
    from ingest.chunk import protected_spans

    text = ("镇级自筹资金" + "，用于道路建设" * 6 + "，合计4,250万元，2023年12月31日前按《某县专项资金管理办法》"
            "和“先建后补、以奖代补”的原则拨付到位。")
    doc = Document("d", "t", "s", text)
    for max_chars in range(40, 90, 3):
        chunks = chunk_document(doc, max_chars // 2, max_chars)
        cuts = [c.end for c in chunks[:-1]]
        for a, b in protected_spans(text):
            assert not any(a < cut < b for cut in cuts), (max_chars, text[a:b])


def test_a_heading_always_starts_the_chunk_of_its_section_and_items_stay_with_it():
    text = ("为推进工作，制定本方案。\n一、总体目标\n到2026年收入达到3万元。\n二、重点任务\n（一）发展产业。新建基地。\n"
            "（二）改善环境。改造厕所。\n三、保障措施\n1.加强领导。成立小组。\n2.强化保障。安排资金。")
    chunks = chunk_document(Document("d", "t", "s", text), 220, 360)
    assert [c.text.split("\n")[0] for c in chunks] == ["为推进工作，制定本方案。", "一、总体目标", "二、重点任务", "三、保障措施"]
    assert [c.section for c in chunks[1:]] == ["一、总体目标", "二、重点任务", "三、保障措施"]
    assert "（二）改善环境" in chunks[2].text and "2.强化保障" in chunks[3].text
    assert all(sentence_spans(c.text)[-1].heading is None for c in chunks)  # no chunk ends with a bare heading


def test_a_heading_is_carried_to_the_next_chunk_rather_than_ending_one():
    long = "乡镇社会事务管理大多处于有责无权的尴尬境地，" * 5 + "亟待改革。"  # fits alone, not after the heading
    text = f"一、现状\n情况如下。\n（一）问题\n{long}"
    chunks = chunk_document(Document("d", "t", "s", text), 80, 120)
    assert chunks[0].text == "一、现状\n情况如下。"
    assert chunks[1].text.startswith("（一）问题\n") and chunks[1].section == "一、现状 > （一）问题"
    assert all(sentence_spans(c.text)[-1].heading is None for c in chunks)


@pytest.mark.parametrize("items", [
    ["（一）建立登记制度，信息按月汇总上报。", "（二）开展满意度调查，根据结果改进服务。", "（三）做好安全检查，每月检查一次。"],
    ["1.建立登记制度，信息按月汇总上报。", "2.开展满意度调查，根据结果改进服务。", "3.做好安全检查，每月检查一次。"],
    ["1、建立登记制度，信息按月汇总上报。", "2、开展满意度调查，根据结果改进服务。", "3、做好安全检查，每月检查一次。"],
    ["（1）建立登记制度，信息按月汇总上报。", "（2）开展满意度调查，根据结果改进服务。", "（3）做好安全检查，每月检查一次。"],
    ["①建立登记制度，信息按月汇总上报。", "②开展满意度调查，根据结果改进服务。", "③做好安全检查，每月检查一次。"],
])
def test_a_lead_in_line_stays_with_the_list_items_it_introduces(items):
    body = "阅览室实行专人管理，开放时间每周不少于四十小时，节假日正常开放，管理人员负责登记、编目和上架。" * 2
    text = f"三、管理要求\n{body}\n具体要求有以下三点：\n" + "\n".join(items) + "\n四、资金来源\n资金由区财政安排。"
    chunks = chunk_document(Document("d", "t", "s", text), 220, 360)
    assert not any(c.text.rstrip().endswith("：") for c in chunks)  # the lead-in never ends a chunk
    holder = next(c for c in chunks if "具体要求有以下三点：" in c.text)
    assert holder.text.split("\n")[1] == items[0]  # followed by its first item, in whose section it is
    assert holder.section == f"三、管理要求 > {heading_title(items[0])}"
    # every item is kept whole, once, in document order
    order = [i for c in chunks for i, item in enumerate(items) if item in c.text]
    assert order == [0, 1, 2]


def test_a_circled_number_item_title_never_ends_a_chunk_apart_from_its_body():
    body = "主要是满足居民日常生活需要的内容，包括公共部位维修，以及供水、排水、供电、道路等配套设施改造。"
    text = "一、改造内容\n改造内容分为三类：\n" + "\n".join(f"{m}{k}类。{body}" for m, k in zip("①②③", "甲乙丙", strict=True))
    chunks = chunk_document(Document("d", "t", "s", text), 220, 360)
    assert heading_level("③丙类。") == heading_level("（1）加强培训") + 1
    for m, k in zip("①②③", "甲乙丙", strict=True):
        holder = next(c for c in chunks if f"{m}{k}类。" in c.text)
        assert f"{m}{k}类。{body}" in holder.text  # the item's title and its body in one chunk
    assert not any(c.text.endswith("类。") for c in chunks)  # no chunk ends with an item's bare title
    assert chunks[-1].section == "一、改造内容 > ③丙类"


def test_no_chunk_holds_only_a_heading_when_an_article_with_its_own_text_follows_it():
    text = ("第一章 总则\n第一条 为规范日常工作，制定本规程。\n第二章 组织与职责\n第一节 机构设置\n"
            "一、领导小组\n领导小组负责统筹协调。\n第三章 附则\n本规程自发布之日起施行。")
    chunks = chunk_document(Document("d", "规程", "s", text), 200, 400)
    assert chunks[0].text.split("\n")[:2] == ["第一章 总则", "第一条 为规范日常工作，制定本规程。"]
    for c in chunks:  # every chunk holds some text that is not a bare heading
        assert any(line.endswith("。") for line in c.text.split("\n")), c.text


def test_a_list_of_numbered_lines_under_a_caption_is_chunked_with_its_caption_and_named_by_it():
    # two ranked lists, each under a short caption line: the caption opens the chunk of its list and is its section;
    # the numbered lines are the list's items, no headings (a heading has a body)
    items = "".join(f"{i}.和平镇第{i}村（{99 - i}分）\n" for i in range(1, 8))
    text = ("关于公布2024年度示范村评定结果的通知\n各乡镇：\n经乡镇推荐、县级复核和公示，共评定示范村14个。现将结果（按得分从高到"
            f"低排列）公布如下：\n一类村庄\n{items}二类村庄\n{items}一类村庄每个奖补30万元，二类村庄每个奖补20万元。\n")
    doc = Document("d", "示范村", "x.txt", text)
    chunks = chunk_document(doc, 220, 360)
    second = next(c for c in chunks if c.text.lstrip().startswith("二类村庄"))
    assert second.section == "二类村庄", [(c.section, c.text) for c in chunks]
    assert not any(c.text.rstrip().endswith(("一类村庄", "二类村庄")) for c in chunks), [c.text for c in chunks]
    assert all(c.section in ("", "一类村庄", "二类村庄") for c in chunks), [c.section for c in chunks]  # no item
    # numbered lines with a body each stay headings: 「1. 总体要求」 over its paragraph
    outline = "工作方案\n1. 总体要求\n坚持问题导向，统筹推进。\n2. 工作步骤\n分三个阶段实施。\n"
    spans = chunk_document(Document("o", "方案", "o.txt", outline), 30, 60)
    assert any(c.section.endswith("2. 工作步骤") for c in spans), [(c.section, c.text) for c in spans]
