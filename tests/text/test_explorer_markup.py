"""Highlighting topic phrases in attacker-controlled text."""

from nabd.text.explorer_markup import highlighted


def test_text_is_escaped_and_only_our_marks_are_markup() -> None:
    text = '<b onmouseover="x">السعر</b> غالي & بطيء'
    start = text.index("السعر")
    html = highlighted(
        text, [{"topic": "price_value", "spans": [[start, start + 5]]}], lambda _: 'A "label"'
    )
    assert html == (
        "&lt;b onmouseover=&#34;x&#34;&gt;"
        '<mark class="topic-phrase" data-topic="price_value" title="A &#34;label&#34;">السعر</mark>'
        "&lt;/b&gt; غالي &amp; بطيء"
    )


def test_overlapping_and_out_of_range_spans_are_skipped() -> None:
    topics = [
        {"topic": "a", "spans": [[0, 4]]},
        {"topic": "b", "spans": [[2, 6], [40, 45]]},
        {"topic": "c", "spans": [[5, 9]]},
    ]
    html = str(highlighted("abcd efgh", topics, str))
    assert html.count("<mark") == 2
    assert 'data-topic="b"' not in html
    assert html.endswith('title="c">efgh</mark>')
