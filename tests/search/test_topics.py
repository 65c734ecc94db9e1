"""Topics over time, counted (search.chart): pure, no database."""

import datetime

from search.chart import Mentions, MonthCount, bars, count_by_month, heard_by, ranked, ticks, topic_slugs

AIRED = {
    1: datetime.date(2024, 11, 30),
    2: datetime.date(2025, 1, 2),
    3: datetime.date(2025, 1, 28),
    4: datetime.date(2025, 3, 1),
}


def month(year: int, number: int) -> datetime.date:
    return datetime.date(year, number, 1)


def test_it_counts_moments_and_episodes_by_month_across_the_archive_with_empty_months():
    mentions = count_by_month({2: 4, 3: 1, 4: 2}, AIRED)
    assert [(m.month, m.moments, m.episodes) for m in mentions.months] == [
        (month(2024, 11), 0, 0),
        (month(2024, 12), 0, 0),
        (month(2025, 1), 5, 2),
        (month(2025, 2), 0, 0),
        (month(2025, 3), 2, 1),
    ]
    assert (mentions.moments, mentions.episodes, mentions.most) == (7, 3, 5)
    assert (mentions.first, mentions.last) == (month(2025, 1), month(2025, 3))


def test_an_episode_without_a_published_air_date_counts_for_nothing():
    mentions = count_by_month({2: 4, 99: 50}, AIRED)
    assert (mentions.moments, mentions.episodes) == (4, 1)


def test_the_months_run_across_a_year_and_keep_to_the_dates_asked():
    mentions = count_by_month({2: 1}, AIRED, start=datetime.date(2024, 12, 15), end=datetime.date(2030, 1, 1))
    assert [m.month for m in mentions.months] == [month(2024, 12), month(2025, 1), month(2025, 2), month(2025, 3)]


def test_an_empty_archive_has_no_months():
    assert count_by_month({}, {}).months == ()
    assert Mentions().first is None and Mentions().most == 0


def test_bars_fill_the_width_and_stand_on_the_axis_in_proportion():
    mentions = Mentions(
        months=(MonthCount(month(2025, 1), 4, 1), MonthCount(month(2025, 2)), MonthCount(month(2025, 3), 1, 1))
    )
    drawn = bars(mentions, top=20, height=100)
    assert [bar.x for bar in drawn] == ["12.667%", "46.000%", "79.333%"]
    assert {bar.x_width for bar in drawn} == {"8.000%"}
    many = bars(count_by_month({}, {1: datetime.date(2020, 1, 1), 2: datetime.date(2029, 12, 1)}), top=0, height=10)
    assert (len(many), many[0].x, many[0].x_width, many[-1].x) == (120, "0.125%", "0.583%", "99.292%")
    assert [(bar.top + bar.height, bar.height) for bar in drawn] == [(120, 100), (120, 0), (120, 25)]
    assert drawn[1].y_height == "0.0"


def test_a_month_said_once_beside_a_busy_one_still_shows():
    mentions = Mentions(months=(MonthCount(month(2025, 1), 1000, 1), MonthCount(month(2025, 2), 1, 1)))
    assert bars(mentions, top=0, height=40)[1].height > 1


def test_at_most_four_months_are_named_under_the_chart_first_and_last_among_them():
    mentions = count_by_month({}, {1: datetime.date(2023, 1, 5), 2: datetime.date(2025, 6, 5)})
    named = ticks(mentions)
    assert [tick.month for tick in named] == [month(2023, 1), month(2023, 11), month(2024, 8), month(2025, 6)]
    assert [tick.anchor for tick in named] == ["start", "middle", "middle", "end"]
    assert [tick.month for tick in ticks(count_by_month({}, {1: datetime.date(2025, 6, 5)}))] == [month(2025, 6)]


def test_people_who_hear_it_count_the_moments_of_their_episodes():
    heard = heard_by([("ana", 1), ("ana", 2), ("paul", 2), ("paul", 2), ("zoe", 3)], {1: 3, 2: 1})
    assert heard == {"ana": (4, 2), "paul": (1, 1)}


def test_people_are_ranked_by_count_then_name():
    names = {1: "Paul", 2: "Ana", 3: "Marc"}
    assert ranked({1: 2, 2: 2, 3: 5}, names, most=2) == [(3, 5), (2, 2)]


def test_topic_slugs_are_the_terms_slugified_and_unique():
    slugs = topic_slugs([(3, "NIS 2"), (1, "NIS2"), (2, "Scale AI"), (7, "nis-2"), (8, "???")])
    assert slugs == {1: "nis2", 2: "scale-ai", 3: "nis-2", 7: "nis-2-7", 8: "topic-8"}
    # A later entry never changes an earlier one's address.
    assert topic_slugs([(1, "NIS2"), (2, "Scale AI"), (3, "NIS 2")]).items() <= slugs.items()
