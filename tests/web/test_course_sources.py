"""A course page says where its facts come from (issue 13 item 5): reference passages and general practice."""

from tests.conftest import repository_content


def test_rule_the_course_page_lists_reference_passages_and_general_practice(signed_in):
    course = next(c for c in repository_content().courses.values() if c.sources)
    client, _ = signed_in("trainee")
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "资料来源" in page
    for source in course.sources:
        label = f"参考资料 {source.reference}：" if source.reference else "通行做法"
        assert label in page and source.passage in page
