"""Exact Euclidean k-nearest neighbours in NumPy, blocked to bound memory.

SMOTE-style samplers need the k nearest neighbours of every minority
sample.  A full ``n_query x n_reference`` distance matrix for 100,000 x
100,000 points would take 80 GB, so the queries are processed in blocks
whose distance matrix fits a fixed memory budget.

Squared distances use ``||a||^2 - 2 a.b + ||b||^2`` so that the bulk of the
work is one matrix product per block (BLAS), and ``np.argpartition`` picks
the k smallest per row in linear time.  The expansion loses precision for
points that are very close to each other, so the k winners of each row are
then re-ranked by their distances computed directly as ``||a - b||^2``.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = ["kneighbors"]

# Upper bound on the number of query rows per block, and on the size of one
# block's distance matrix (bytes); the smaller of the two decides.
MAX_BLOCK_ROWS = 2048
DEFAULT_WORKING_MEMORY = 128 * 2**20
# Up to this many neighbours, selection uses repeated argmin instead of argpartition.
SMALL_K = 8


def _as_float_matrix(x, name):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"kneighbors: {name} must be a 2D array (n_samples, n_features), got shape {x.shape}.")
    if x.dtype.kind not in "fiub":
        raise ValueError(f"kneighbors: {name} must be numeric, got dtype {x.dtype}.")
    x = np.ascontiguousarray(x, dtype=np.float64)
    if not np.isfinite(x).all():
        raise ValueError(f"kneighbors: {name} contains NaN or infinity.")
    return x


def kneighbors(
    reference,
    n_neighbors,
    *,
    query=None,
    query_indices=None,
    return_distance=False,
    block_rows=None,
    working_memory=DEFAULT_WORKING_MEMORY,
):
    """Indices (and optionally distances) of the ``n_neighbors`` nearest reference rows.

    Args:
        reference: array of shape (n_reference, n_features), the points searched.
        n_neighbors: neighbours returned per query, nearest first.
        query: optional array of shape (n_query, n_features) of external query points. A query
            point identical to a reference point *does* get it back as a neighbour at distance 0.
        query_indices: optional int array of shape (n_query,): use ``reference[query_indices]`` as
            the queries and never return a query as its own neighbour (self-match exclusion). If
            neither ``query`` nor ``query_indices`` is given, every reference row is queried
            against all the others.
        return_distance: also return the Euclidean distances, shape (n_query, n_neighbors).
        block_rows: query rows per block; by default the largest block whose distance matrix fits
            ``working_memory`` bytes (at most 2048 rows).
        working_memory: the byte budget for one block's distance matrix.

    Returns:
        int64 indices of shape (n_query, n_neighbors), sorted by increasing distance with ties
        broken by the lower index; with ``return_distance=True``, also the float64 distances.
    """
    ref = _as_float_matrix(reference, "reference")
    queries, query_indices = _resolve_queries(ref, query, query_indices)
    exclude_self = query_indices is not None
    n_neighbors = _check_n_neighbors(n_neighbors, ref.shape[0], exclude_self)
    n_query = queries.shape[0]
    if block_rows is None:
        block_rows = max(1, min(MAX_BLOCK_ROWS, working_memory // (8 * max(ref.shape[0], 1))))
    indices = np.empty((n_query, n_neighbors), dtype=np.int64)
    distances = np.empty((n_query, n_neighbors), dtype=np.float64) if return_distance else None
    ref_sq = np.einsum("ij,ij->i", ref, ref)
    for start in range(0, n_query, block_rows):
        stop = min(start + block_rows, n_query)
        self_columns = query_indices[start:stop] if exclude_self else None
        block_indices, block_sq_distances = _block_kneighbors(
            ref, ref_sq, queries[start:stop], self_columns, n_neighbors
        )
        indices[start:stop] = block_indices
        if return_distance:
            distances[start:stop] = np.sqrt(block_sq_distances)
    if return_distance:
        return indices, distances
    return indices


def _resolve_queries(ref, query, query_indices):
    """The query points, and the reference row of each when they are reference rows (else None).

    Without ``query`` and ``query_indices`` every reference row is a query.
    """
    n_ref = ref.shape[0]
    if query is not None and query_indices is not None:
        raise ValueError("kneighbors: pass either query or query_indices, not both.")
    if query_indices is None and query is None:
        query_indices = np.arange(n_ref)
    if query_indices is not None:
        query_indices = np.asarray(query_indices, dtype=np.int64).ravel()
        if query_indices.size and (query_indices.min() < -n_ref or query_indices.max() >= n_ref):
            raise ValueError(f"kneighbors: query_indices must lie in [0, {n_ref}), got values outside it.")
        query_indices = np.where(query_indices < 0, query_indices + n_ref, query_indices)
        return ref[query_indices], query_indices
    queries = _as_float_matrix(query, "query")
    if queries.shape[1] != ref.shape[1]:
        raise ValueError(
            f"kneighbors: query has {queries.shape[1]} features but reference has {ref.shape[1]}; expected equal."
        )
    return queries, None


def _check_n_neighbors(n_neighbors, n_ref, exclude_self):
    if not isinstance(n_neighbors, Integral) or isinstance(n_neighbors, bool) or n_neighbors < 1:
        raise ValueError(f"kneighbors: n_neighbors must be a positive integer, got {n_neighbors!r}.")
    n_neighbors = int(n_neighbors)
    available = n_ref - 1 if exclude_self else n_ref
    if n_neighbors > available:
        what = " other" if exclude_self else ""
        raise ValueError(
            f"kneighbors: Expected n_neighbors <= {available} (the number of{what} reference samples), "
            f"but n_neighbors = {n_neighbors} with {n_ref} reference samples."
        )
    return n_neighbors


def _block_kneighbors(ref, ref_sq, q, self_columns, n_neighbors):
    """Nearest ``n_neighbors`` reference rows of the query block ``q`` and their squared distances.

    ``self_columns`` (the reference row of each query, or None) are excluded. Candidates come from
    the BLAS expansion of the distances; the winners are then re-ranked exactly.
    """
    n_ref = ref.shape[0]
    # d = ||q||^2 - 2 q.r + ||r||^2, built in place to keep one buffer.
    d = q @ ref.T
    d *= -2.0
    d += np.einsum("ij,ij->i", q, q)[:, None]
    d += ref_sq[None, :]
    rows = np.arange(q.shape[0])
    if self_columns is not None:
        d[rows, self_columns] = np.inf
    if n_neighbors <= SMALL_K:
        # For the small k of SMOTE & co., k argmin passes beat one
        # argpartition (which costs about ten passes over the block).
        cand = np.empty((q.shape[0], n_neighbors), dtype=np.int64)
        for j in range(n_neighbors):
            cand[:, j] = np.argmin(d, axis=1)
            d[rows, cand[:, j]] = np.inf
    elif n_neighbors < n_ref:
        cand = np.argpartition(d, n_neighbors - 1, axis=1)[:, :n_neighbors]
    else:
        cand = np.broadcast_to(np.arange(n_ref), d.shape).copy()
    cand.sort(axis=1)  # index order first, so the stable sort below breaks ties by index
    # Re-rank the winners by their directly computed squared distances.
    diff = ref[cand] - q[:, None, :]
    exact = np.einsum("ijk,ijk->ij", diff, diff)
    order = np.argsort(exact, axis=1, kind="stable")
    return np.take_along_axis(cand, order, axis=1), np.take_along_axis(exact, order, axis=1)
