"""One decomposition for the solver's large days and the app's zones: groups of nearby requests, a share of the fleet."""

from __future__ import annotations

import numpy as np

from routing import decompose


def _line_dissimilarity(xs: list[float]) -> np.ndarray:
    x = np.array(xs, dtype=float)
    return np.abs(x[:, None] - x[None, :])


def test_kmedoids_splits_two_towns_on_a_line():
    labels, medoids = decompose.kmedoids(_line_dissimilarity([0, 1, 2, 100, 101, 102]), 2)
    assert len(medoids) == 2
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]
    assert sorted(medoids) == [1, 4]  # the middle of each town


def test_kmedoids_never_makes_more_groups_than_items():
    labels, medoids = decompose.kmedoids(_line_dissimilarity([0, 5]), 4)
    assert len(medoids) == 2 and sorted(labels.tolist()) == [0, 1]


def test_kmeans_splits_north_from_south_and_repeats_itself():
    points = np.array([[45.60, -122.68], [45.601, -122.68], [45.45, -122.68], [45.451, -122.68]])
    labels, centres = decompose.kmeans(points, 2)
    assert labels[0] == labels[1] != labels[2] == labels[3]
    assert np.allclose(sorted(centres[:, 0]), [45.4505, 45.6005])
    again, _ = decompose.kmeans(points, 2)
    assert np.array_equal(labels, again)


def test_the_fleet_is_shared_in_proportion_to_requests_with_at_least_one_each():
    """Eight requests in group 0, two in group 1, all five vehicles next to group 0: group 1 still gets one."""
    away = np.array([[0.0, 10.0]] * 5)
    fleet = decompose.share_fleet(np.array([8, 2]), away)
    assert [len(f) for f in fleet] == [4, 1]
    assert sorted(fleet[0] + fleet[1]) == [0, 1, 2, 3, 4]


def test_nearest_vehicles_go_to_each_group_first():
    away = np.array([[1.0, 9.0], [9.0, 1.0], [2.0, 8.0], [8.0, 2.0]])
    assert decompose.share_fleet(np.array([3, 3]), away) == [[0, 2], [1, 3]]


def test_with_fewer_vehicles_than_groups_each_vehicle_goes_once():
    away = np.array([[1.0, 2.0, 3.0]])
    fleet = decompose.share_fleet(np.array([2, 2, 2]), away)
    assert fleet == [[0], [], []]
