"""Decomposition: a day's requests in groups of nearby ones, each group with its share of the fleet.

Two users, one method. The solver constructs a large day cluster by cluster
(``routing.solver.search.clusters``, on the travel-time matrix, so it works
without coordinates); the web app splits a city's day into zones solved as
separate jobs (``coalition.services.zoning``, on coordinates). Both:

1. cluster the requests, seeded by farthest points, so the split is
   deterministic (:func:`kmedoids` on a dissimilarity matrix, :func:`kmeans`
   on coordinates);
2. share the fleet out (:func:`share_fleet`): each group gets vehicles in
   proportion to its requests (at least one), nearest (vehicle, group) pairs
   first.

numpy only; no OR-Tools.
"""

from __future__ import annotations

import numpy as np


def kmedoids(dissimilarity: np.ndarray, k: int, iterations: int = 20) -> tuple[np.ndarray, list[int]]:
    """k-medoids on a symmetric n x n ``dissimilarity`` (finite), farthest-point seeding from item 0.

    Returns (group label per item, medoid item per group); a group that
    empties is dropped, so there may be fewer than ``k`` groups.
    """
    d = dissimilarity
    k = max(1, min(k, len(d)))
    medoids = [0]
    for _ in range(1, k):
        medoids.append(int(np.argmax(d[medoids].min(axis=0))))
    labels = np.argmin(d[medoids], axis=0)
    for _ in range(iterations):
        medoids = [int(members[np.argmin(d[np.ix_(members, members)].sum(axis=1))])
                   for members in (np.flatnonzero(labels == j) for j in range(len(medoids))) if members.size]
        new = np.argmin(d[medoids], axis=0)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels, medoids


def kmeans(points: np.ndarray, k: int, iterations: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """k-means on n x 2 ``points`` (lat, lon), farthest-point seeding from point 0.

    Returns (group label per point, centre per group). Deterministic.
    """
    k = max(1, min(k, len(points)))
    centres = [points[0]]
    for _ in range(1, k):
        distance = np.min(np.stack([((points - c) ** 2).sum(axis=1) for c in centres]), axis=0)
        centres.append(points[int(np.argmax(distance))])
    centres = np.array(centres, dtype=float)
    labels = np.zeros(len(points), dtype=int)
    for step in range(iterations):
        new = np.argmin(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        if step and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            if np.any(labels == j):
                centres[j] = points[labels == j].mean(axis=0)
    return labels, centres


def share_fleet(counts: np.ndarray, away: np.ndarray) -> list[list[int]]:
    """The vehicles of each group: ``counts[j]`` requests in group j, ``away[v, j]`` how far
    vehicle v starts from group j (finite).

    Each group gets a quota in proportion to its requests, at least one while
    vehicles last; then the nearest (vehicle, group) pairs are settled first
    and the rest fill what is left. Returns, per group, vehicle indices in the
    order they were given.
    """
    n_v, total = away.shape[0], int(counts.sum())
    quota = [max(1, n_v * int(c) // max(total, 1)) for c in counts]
    while sum(quota) > n_v and max(quota) > 1:
        quota[int(np.argmax(quota))] -= 1
    while sum(quota) < n_v:
        quota[int(np.argmax(counts / np.maximum(quota, 1)))] += 1
    fleet: list[list[int]] = [[] for _ in counts]
    placed: set[int] = set()
    for flat in np.argsort(away, axis=None, kind="stable"):
        v, j = divmod(int(flat), len(counts))
        if v not in placed and len(fleet[j]) < quota[j]:
            fleet[j].append(v)
            placed.add(v)
    return fleet
