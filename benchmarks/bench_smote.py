"""Time chainrule's SMOTE against imbalanced-learn's on the same data, same process.

Data: 100,000 x 20 float64, 1 % minority; SMOTE(sampling_strategy='auto',
k_neighbors=5) generates ~98,000 synthetic rows.  Prints the median of a
few (interleaved) runs for each and the ratio ours / imblearn (target: <= 1.5).

    PYTHONPATH=src python benchmarks/bench_smote.py [--repeats 9] [--n 100000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def make_data(n_samples, n_features, minority_fraction, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    y = np.zeros(n_samples, dtype=np.int64)
    y[rng.choice(n_samples, size=int(n_samples * minority_fraction), replace=False)] = 1
    return X, y


def median_times(fns, repeats):
    """Median wall time of each function, runs interleaved.

    Alternating the contenders run by run means a burst of load from other
    processes on the machine slows both, instead of biasing the ratio.
    """
    for fn in fns:
        fn()  # warm-up: imports, BLAS thread start-up, page faults
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, bucket in zip(fns, times):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return [statistics.median(bucket) for bucket in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--minority", type=float, default=0.01)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()

    from imblearn.over_sampling import SMOTE as ImbSMOTE

    from chainrule.imbalance import SMOTE

    X, y = make_data(args.n, args.features, args.minority)
    ours = SMOTE(sampling_strategy="auto", k_neighbors=5, random_state=0)
    theirs = ImbSMOTE(sampling_strategy="auto", k_neighbors=5, random_state=0)

    X_ours, y_ours = ours.fit_resample(X, y)
    X_theirs, y_theirs = theirs.fit_resample(X, y)
    assert X_ours.shape == X_theirs.shape and np.array_equal(np.bincount(y_ours), np.bincount(y_theirs))

    t_ours, t_theirs = median_times([lambda: ours.fit_resample(X, y), lambda: theirs.fit_resample(X, y)], args.repeats)
    print(f"data: {args.n} x {args.features} float64, minority {args.minority:.1%} -> output {X_ours.shape}")
    print(f"chainrule SMOTE     : {t_ours * 1e3:8.1f} ms (median of {args.repeats})")
    print(f"imbalanced-learn    : {t_theirs * 1e3:8.1f} ms (median of {args.repeats})")
    print(f"ratio ours/imblearn : {t_ours / t_theirs:8.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
