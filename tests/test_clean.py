from ingest.clean import clean_line, clean_lines, fix_ocr_spacing, fold_width, is_page_marker


def test_fold_width_turns_fullwidth_digits_and_letters_half_width():
    assert fold_width("２００７年ＡＢｃ") == "2007年ABc"
    assert fold_width("第一，") == "第一，"  # Chinese punctuation kept: it marks sentence ends


def test_fold_width_folds_the_decimal_point_thousands_separator_and_percent_inside_a_number():
    assert fold_width("增长１２．５％，达到３，２００万元。") == "增长12.5%，达到3,200万元。"
    assert fold_width("共１，２３４，５６７元") == "共1,234,567元"
    assert clean_line("全年增长１２．５％，经费３，２００万元。") == "全年增长12.5%，经费3,200万元。"


def test_fold_width_keeps_a_clause_comma_between_two_numbers():
    assert fold_width("分别为2022，2023年") == "分别为2022，2023年"  # not a thousands group: two values
    assert fold_width("12，15和1，2345") == "12，15和1，2345"
    assert fold_width("一是，二是") == "一是，二是"


def test_fold_width_folds_a_full_width_number_with_thousands_and_decimals_as_one_number():
    assert fold_width("支出１，０５０．５万元") == "支出1,050.5万元"
    assert fold_width("共１０，０００．００元") == "共10,000.00元"
    assert fold_width("分别为１２，３５０和８，２００万元") == "分别为12,350和8,200万元"


def test_fold_width_keeps_values_listed_with_a_chinese_comma_apart():
    assert fold_width("三处站点分别有车位120，350，480个。") == "三处站点分别有车位120，350，480个。"
    # no number is written with a leading zero: 「００１，００２」 are codes in a list, not a grouped number
    assert fold_width("编号００１，００２，００３") == "编号001，002，003"
    assert clean_line("车位120，350，480个。") == "车位120，350，480个。"
    assert fold_width("１，２３４５") == "1，2345"  # not groups of three: two values


def test_ocr_spacing_inside_numbers_and_words_is_repaired():
    # real lines of the corpus
    assert fix_ocr_spacing("2 0 0 7年 5月 ,浙 江 省 政 府 出 台 了") == "2007年5月,浙江省政府出台了"
    assert fix_ocr_spacing("绍 兴 县选择 经 济实力 较强 的杨汛 桥 、钱清") == "绍兴县选择经济实力较强的杨汛桥、钱清"
    assert fix_ocr_spacing("重 点 培 育 和发 展 1 4 1 个 省属") == "重点培育和发展141个省属"


def test_spaces_between_latin_words_are_kept():
    assert fix_ocr_spacing("the  rural   reform in Zhejiang") == "the rural reform in Zhejiang"
    assert "Open Data" in fix_ocr_spacing("使用 Open Data 平台")


def test_download_boilerplate_and_page_markers_are_dropped():
    assert clean_line("- 1、下载文档前请自行甄别文档内容的完整性,平台不提供额外的编辑、内容补充。") == ""
    assert clean_line('- 2、"仅部分预览"的文档,不可在线预览部分如存在完整性等问题') == ""
    assert clean_line("1/ 10。") == ""
    assert is_page_marker("04") and is_page_marker("第 3 页 共 10 页")
    assert clean_line("| 40 |广西经济改革开放以来") == "广西经济改革开放以来"


def test_inline_template_site_boilerplate_is_removed_but_not_the_text_around_it():
    line = "基层反映:扩权强县试点推进工作存在的问题和建议今天,的我为大家整理了一篇关于《基层反映》范文,供大家参考使用!正文如下:郊区政协副主席王振涛反映"
    out = clean_line(line)
    assert out == "基层反映:扩权强县试点推进工作存在的问题和建议郊区政协副主席王振涛反映"


def test_a_download_sites_stamp_in_another_script_is_removed_but_a_bracketed_foreign_name_is_kept():
    stamped = "设立党政办公室、社会事务服务中Байду номын сангаас 、公共便民服务中心、综合执法大队。"
    assert clean_line(stamped) == "设立党政办公室、社会事务服务中、公共便民服务中心、综合执法大队。"
    assert clean_line("俄方代表帕特鲁舍夫（Николай Патрушев）表示欢迎。") == "俄方代表帕特鲁舍夫（Николай Патрушев）表示欢迎。"
    assert clean_line("希腊字母 α β 用于编号。") == "希腊字母 α β 用于编号。"


def test_clean_corpus_has_no_noise_left(corpus_text):
    lines = clean_lines(corpus_text)
    joined = "\n".join(lines)
    for noise in ("下载文档前请自行甄别", "1/ 10", "2 0 0 7", "杨汛 桥", "Байду"):
        assert noise not in joined
    assert "2007年5月" in joined and "杨汛桥" in joined


def test_a_chapter_or_section_marker_alone_on_its_line_is_joined_to_its_short_title():
    from ingest.clean import join_wrapped_lines

    assert join_wrapped_lines(["第二章", "组织与职责", "第一节", "机构设置", "一、领导小组"]) == [
        "第二章组织与职责", "第一节机构设置", "一、领导小组"]
    # a sentence, a heading or a long line after the marker is not its title
    for nxt in ("本章适用于全体职工。", "一、领导小组", "领导小组由单位负责人担任组长负责统筹协调各项工作并研究解决问题"):
        assert join_wrapped_lines(["第二章", nxt]) == ["第二章", nxt]


def test_lines_wrapped_mid_sentence_are_rejoined_but_paragraphs_and_headings_kept():
    from ingest.clean import join_wrapped_lines

    lines = ["归并9个委托及派驻机构承担行政执法权限205项,实行乡级统一综合执法。同时,制定", "相关制度。",
             "二、强镇扩权改革的演进轨迹", "(一)初试阶段:2005年一2007年", "浙江省经济总量的三分之一是由小城镇创造", "(二)全面推进"]
    assert join_wrapped_lines(lines) == [
        "归并9个委托及派驻机构承担行政执法权限205项,实行乡级统一综合执法。同时,制定相关制度。",
        "二、强镇扩权改革的演进轨迹", "(一)初试阶段:2005年一2007年", "浙江省经济总量的三分之一是由小城镇创造", "(二)全面推进"]


def test_two_numbers_side_by_side_stay_apart_while_spaced_out_digits_join():
    assert fix_ocr_spacing("年份 2022 2023") == "年份2022 2023"
    assert fix_ocr_spacing("污水处理厂 1200 2023年12月") == "污水处理厂1200 2023年12月"
    assert fix_ocr_spacing("2 0 0 7年") == "2007年"


def test_kangxi_radicals_and_compatibility_ideographs_are_normalised():
    assert fold_width("⼯作⽅案执⾏") == "工作方案执行"
    assert fold_width("\uf900") == "\u8c48"  # a CJK compatibility ideograph → its unified form (豈)


def test_journal_record_fields_move_into_metadata():
    from ingest.clean import split_metadata

    meta: dict[str, str] = {}
    line = "问题和对策中图分类号:D035.5文献标志码:B文章编号:1008-4479(2021)03-0012-04某县乡镇改革的实践"
    assert split_metadata(line, meta) == "问题和对策某县乡镇改革的实践"
    assert meta == {"clc": "D035.5", "doc_code": "B", "article_no": "1008-4479(2021)03-0012-04"}


def test_download_site_record_header_moves_into_metadata_and_title_keeps_no_author():
    from ingest.clean import split_metadata

    meta: dict[str, str] = {}
    line = "论基层减负李四【期刊名称】《行政论坛》【年(卷),期】2020(027)004【作者】李四【作者单位】某大学【正文语种】中文基层减负是一项长期任务。"
    assert split_metadata(line, meta) == "论基层减负\n基层减负是一项长期任务。"
    assert meta["journal"] == "《行政论坛》" and meta["authors"] == "李四" and meta["language"] == "中文"


def test_author_note_receipt_date_funding_and_news_header_are_metadata():
    from ingest.clean import split_metadata

    meta: dict[str, str] = {}
    assert split_metadata("收稿日期:2021-05-06 基金项目:省社科规划项目(21ZZ03)。正文。", meta) == "正文。"
    assert split_metadata("作者简介:王五(1980—),男,副教授。研究发现。", meta) == "研究发现。"
    assert split_metadata("[ 2023-07-28 16：40 ] ，正文：镇政府召开会议。", meta) == "镇政府召开会议。"
    assert meta["received"] == "2021-05-06" and meta["date"] == "2023-07-28" and meta["author_note"].startswith("王五")
    assert "21ZZ03" in meta["funding"]
    assert split_metadata("年份 2022 2023 正常文本。", {}) == "年份 2022 2023 正常文本。"


def test_news_record_header_without_brackets_is_metadata_but_a_sentence_opening_with_a_date_is_text():
    from ingest.clean import split_metadata

    for header, date in (("2023年08月11日，正文：", "2023年08月11日"), ("2023-08-07 13:12，正文：", "2023-08-07")):
        meta: dict[str, str] = {}
        assert split_metadata(header + "   县政府召开会议。", meta) == "县政府召开会议。"
        assert meta["date"] == date
    meta = {}
    assert split_metadata("2023年8月11日，县政府召开会议。", meta) == "2023年8月11日，县政府召开会议。"
    assert "date" not in meta
    # a record whose date field is empty still loses its label
    assert split_metadata("，正文：县政府召开会议。", meta) == "县政府召开会议。" and "date" not in meta


def test_each_record_of_a_news_compilation_keeps_its_date():
    from ingest.articles import documents_from_text

    text = ("镇政务动态汇编\n"
            "镇召开工作推进会\n2023年08月11日，正文：8月10日，镇召开工作推进会，确定下放审批事项42项。\n"
            "镇便民服务中心启用\n2023年09月02日，正文：镇便民服务中心正式启用，设置综合窗口12个。\n"
            "镇举办文化节\n2023年10月15日，正文：镇举办第五届文化节，接待游客3万人次。\n")
    docs = documents_from_text(text, "汇编.txt")
    body = "\n".join(d.text for d in docs)
    assert "正文" not in body
    for date, text in (("2023年08月11日", "8月10日，镇召开"), ("2023年09月02日", "镇便民服务中心正式"),
                       ("2023年10月15日", "镇举办第五届")):  # each record's date stays with it, the first one's too
        assert f"{date}，{text}" in body, body
    assert all(d.meta.get("date") for d in docs)


def test_a_bracketed_news_header_naming_its_source_is_metadata():
    from ingest.clean import split_metadata

    meta: dict[str, str] = {}
    assert split_metadata("【2031年08月20日 来源：柳河镇人民政府】正文：柳河镇召开会议。", meta) == "柳河镇召开会议。"
    assert meta == {"date": "2031年08月20日", "journal": "柳河镇人民政府"}


def test_a_latin_title_line_is_not_joined_to_the_chinese_text_under_it():
    from ingest.clean import join_wrapped_lines

    lines = ["FY2024_report_final_v2", "临江市2024年全年完成固定资产投资320亿元，同比增长6.5%。"]
    assert join_wrapped_lines(lines) == lines
    cn = ["临江市2024年全年完成固定资产投资三百二十", "亿元，同比增长6.5%。"]  # a Chinese sentence wrapped by the layout
    assert join_wrapped_lines(cn) == ["临江市2024年全年完成固定资产投资三百二十亿元，同比增长6.5%。"]
