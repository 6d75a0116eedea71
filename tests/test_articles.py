from ingest.articles import documents_from_text, split_articles
from ingest.clean import clean_lines


def test_compilation_is_split_into_its_18_articles(corpus_text):
    docs = documents_from_text(corpus_text, "corpus.txt")
    titles = [d.title for d in docs]
    assert len(docs) == 18
    assert len({d.doc_id for d in docs}) == 18
    # articles whose repeated title was lost (slides, OCR, journal page) are still found
    assert "浙江省强镇扩权改革的主要经验和路径选择" in titles
    assert "桦南县“强乡扩权”试点改革的实践与启示" in titles
    assert "浙江省强镇扩权的实践与启示_彭忠平" in titles
    # slide-deck outline lines are not articles
    assert "强乡扩权改革试点工作的主要内容" not in titles


def test_repeated_title_is_not_repeated_in_the_text(corpus_text):
    docs = {d.title: d for d in documents_from_text(corpus_text, "corpus.txt")}
    d = docs["关于实行“强镇扩权”深化乡镇体制改革的思考"]
    assert not d.text.startswith("关于实行")
    assert d.text.startswith("(调研材料)实行“强镇扩权”是海口市")


def test_doc_ids_are_stable_across_runs(corpus_text):
    a = [d.doc_id for d in documents_from_text(corpus_text, "corpus.txt")]
    b = [d.doc_id for d in documents_from_text(corpus_text, "corpus.txt")]
    assert a == b


def test_a_plain_document_is_one_document_titled_by_its_first_line():
    text = "乐清市强镇发展现状\n乐清现有柳市、乐成、北白象、虹桥、黄华等五个强镇。\n强镇也是产业集群的重要依托。"
    docs = documents_from_text(text, "x/乐清.txt")
    assert len(docs) == 1 and docs[0].title == "乐清市强镇发展现状"
    assert split_articles(clean_lines(text)) == [(None, clean_lines(text))]


def test_record_metadata_is_kept_on_the_document_not_in_its_text():
    text = "乡镇减负研究\n乡镇减负研究中图分类号:D630文献标志码:A某县推行乡镇减负清单制度,取消考核事项三十项。"
    doc = documents_from_text(text, "x.txt")[0]
    assert doc.meta == {"clc": "D630", "doc_code": "A"}
    assert "分类号" not in doc.text and "取消考核事项三十项" in doc.text


def test_file_metadata_from_the_loader_reaches_every_document():
    from ingest.load import load_file
    from tests.conftest import FIXTURES

    loaded = load_file(FIXTURES / "scanned.pdf")
    docs = documents_from_text(loaded.text, "scan.pdf", meta=loaded.meta())
    assert docs and all(d.meta["ocr_pages"] == "1,2" and d.meta["kind"] == "pdf" for d in docs)


def test_an_official_document_is_titled_by_its_title_not_by_its_issuer_s_mark_above_it():
    # GB/T 9704: the issuing body's mark and the document number come before the title; they stay in the text
    text = ("凫山县防汛抗旱指挥部\n关于第5号台风防御工作情况的通报\n各乡镇人民政府：\n受台风影响，全县普降暴雨。\n")
    (doc,) = documents_from_text(text, "notice.txt")
    assert doc.title == "关于第5号台风防御工作情况的通报"
    assert doc.text.startswith("凫山县防汛抗旱指挥部")
    text = "凫山县人民政府文件\n凫政发〔2024〕3号\n关于印发凫山县乡村振兴工作方案的通知\n各乡镇：\n现印发给你们。\n"
    (doc,) = documents_from_text(text, "plan.txt")
    assert doc.title == "关于印发凫山县乡村振兴工作方案的通知" and "凫政发〔2024〕3号" in doc.text
    # a first line that is a title itself stays the title, whatever follows it
    (doc,) = documents_from_text("石桥镇2024年工作总结\n关于2025年工作的打算\n今年以来，全镇各项工作稳步推进。\n", "x.txt")
    assert doc.title == "石桥镇2024年工作总结"
