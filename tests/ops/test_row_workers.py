"""ops/row_workers.py: an LSTM whose batch rows are split with the helper process gives the
serial loop's values (forward exactly; weight gradients up to the rounding of summing two
partial GEMMs), matches torch, survives the helper dying, and leaves no files in /dev/shm."""

import itertools
import os
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.ops import row_workers

pytestmark = pytest.mark.skipif(
    not row_workers._supported(), reason="needs Linux, /dev/shm and an OpenBLAS whose threads can be set"
)


def _run_lstm(split, *, proj_size=0, bidirectional=False, layers=2, seq_loss=True, dtype="float64", batch=20):
    cr.manual_seed(0)
    model = cr.nn.LSTM(6, 8, num_layers=layers, bidirectional=bidirectional, proj_size=proj_size)
    if dtype == "float64":
        model = model.double()
    rs = np.random.RandomState(1)
    x = cr.tensor(rs.randn(7, batch, 6).astype(dtype), requires_grad=True)
    with row_workers.force(split):
        out, (h, c) = model(x)
        loss = (out * out).sum() * float(seq_loss) + (h * h).sum() + (c * c * 3).sum()
        loss.backward()
    values = [out.detach().numpy(), h.detach().numpy(), c.detach().numpy()]
    grads = [x.grad.numpy()] + [p.grad.numpy() for p in model.parameters()]
    return values, grads


CASES = list(itertools.product([0, 3], [False, True], [True, False], ["float64", "float32"]))


@pytest.mark.parametrize("proj_size, bidirectional, seq_loss, dtype", CASES)
def test_split_rows_give_the_serial_values(proj_size, bidirectional, seq_loss, dtype):
    serial_values, serial_grads = _run_lstm(
        False, proj_size=proj_size, bidirectional=bidirectional, seq_loss=seq_loss, dtype=dtype
    )
    values, grads = _run_lstm(True, proj_size=proj_size, bidirectional=bidirectional, seq_loss=seq_loss, dtype=dtype)
    assert row_workers._STATE.helper is not None and row_workers._STATE.helper.process.poll() is None
    for got, want in zip(values, serial_values):
        if proj_size and dtype == "float32":  # the (rows x H) @ (H x P) product rounds per row count
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(got, want)
    tolerance = {"float64": 1e-12, "float32": 1e-5}[dtype]
    for got, want in zip(grads, serial_grads):
        np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("batch", [2, 3, 17])
def test_split_rows_match_torch(batch):
    """Odd batches split unevenly (the helper takes one row more); both sides still match torch."""
    cr.manual_seed(0)
    model = cr.nn.LSTM(5, 4, num_layers=2, bidirectional=True).double()
    reference = torch.nn.LSTM(5, 4, num_layers=2, bidirectional=True).double()
    reference.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()})
    x = np.random.RandomState(2).randn(6, batch, 5)
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    with row_workers.force(True):
        out, (h, c) = model(xc)
        (out.sum() + (h * c).sum()).backward()
    out_t, (h_t, c_t) = reference(xt)
    (out_t.sum() + (h_t * c_t).sum()).backward()
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), (_, q) in zip(model.named_parameters(), reference.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_packed_input_stays_in_this_process_and_is_right():
    sequences = [cr.tensor(np.random.RandomState(n).randn(n, 3)) for n in (5, 4, 2)]
    packed = cr.nn.utils.rnn.pack_sequence(sequences)
    model = cr.nn.LSTM(3, 4).double()
    with row_workers.force(True):
        out, (h, _) = model(packed)
    serial_out, (serial_h, _) = model(packed)
    np.testing.assert_array_equal(out.data.detach().numpy(), serial_out.data.detach().numpy())
    np.testing.assert_array_equal(h.detach().numpy(), serial_h.detach().numpy())


def test_no_shared_memory_files_are_left_behind():
    for _ in range(3):
        _run_lstm(True, layers=1)
    ours = [name for name in os.listdir("/dev/shm") if name.startswith("chainrule-rows-")]
    linked = {os.path.basename(block.path) for block in row_workers._LINKED}
    assert set(ours) <= linked  # only blocks the helper has not needed yet, removed at exit


def test_pooled_blocks_are_reused():
    _run_lstm(True, layers=1)
    before = len(row_workers._Block.__dict__) and next(row_workers._Block._ids)
    for _ in range(3):
        _run_lstm(True, layers=1)
    after = next(row_workers._Block._ids)
    assert after == before + 1  # the repeated calls took their blocks from the pool


def test_a_helper_error_is_raised_here_with_its_traceback():
    shared = row_workers.shared_arrays(4096)
    arrays = {"a": shared.zeros((4, 2), np.float64)}

    def missing(arrays, rows):
        arrays["a"][rows] = 1.0

    missing.row_function_name = "chainrule.ops.row_workers:_no_such_function"
    with row_workers.force(True), pytest.raises(RuntimeError, match="helper process failed on rows 2..4"):
        row_workers.run(missing, arrays, 4, shared)
    np.testing.assert_array_equal(arrays["a"][:2], 1.0)  # this process's half ran


def test_a_dead_helper_falls_back_to_this_process_with_a_warning():
    serial_values, serial_grads = _run_lstm(False, layers=1)
    _run_lstm(True, layers=1)
    state = row_workers._STATE
    state.helper.process.kill()
    state.helper.process.wait()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values, grads = _run_lstm(True, layers=1)
        assert any("running recurrent loops in this process only" in str(w.message) for w in caught)
        assert state.broken and not row_workers.enabled()
        for got, want in zip(values + grads, serial_values + serial_grads):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    finally:
        # the next test starts a fresh helper, which has mapped none of the pooled (unlinked) blocks
        state.broken, state.helper, state.pool = False, None, row_workers._Pool()


def test_switches():
    assert not row_workers.worth_splitting(64, 1e9) or row_workers.enabled()
    with row_workers.force(False):
        assert not row_workers.enabled() and not row_workers.worth_splitting(64, 1e12)
    with row_workers.force(True):
        assert row_workers.worth_splitting(2, 1)
        assert not row_workers.worth_splitting(1, 1e12)
    previous = os.environ.get("CHAINRULE_ROW_WORKERS")
    os.environ["CHAINRULE_ROW_WORKERS"] = "0"
    try:
        assert not row_workers.enabled()
    finally:
        if previous is None:
            del os.environ["CHAINRULE_ROW_WORKERS"]
        else:
            os.environ["CHAINRULE_ROW_WORKERS"] = previous


def test_a_busy_helper_means_this_process_runs_every_row():
    """Another thread holding the helper: the call runs all rows here (unused partial sums are 0)."""
    serial_values, serial_grads = _run_lstm(False, layers=1)
    with row_workers._STATE.lock:
        values, grads = _run_lstm(True, layers=1)
    for got, want in zip(values + grads, serial_values + serial_grads):
        np.testing.assert_array_equal(got, want)


def test_one_blas_thread_keeps_the_rows_here():
    """The lab and this suite limit BLAS to one thread so numbers do not depend on where they run;
    the split follows that limit."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        assert not row_workers.enabled()
    with threadpool_limits(2, user_api="blas"):
        assert row_workers.enabled() == (os.environ.get("CHAINRULE_ROW_WORKERS", "1") != "0")


def test_an_interrupt_here_waits_for_the_helper_before_its_block_is_reused():
    """Ctrl-C while this process runs its rows leaves the helper's answer unread; the next call
    must wait for it, or the helper could still be writing into a reused block."""
    from chainrule.ops import recurrent

    serial_values, serial_grads = _run_lstm(False, layers=1)
    _run_lstm(True, layers=1)  # a helper with mapped blocks

    def interrupted(arrays, rows, **params):
        raise KeyboardInterrupt

    interrupted.row_function_name = recurrent._lstm_forward_rows.row_function_name
    shared = row_workers.shared_arrays(1 << 20)
    arrays = {"a": shared.zeros((4, 3), np.float64)}
    with row_workers.force(True), pytest.raises(KeyboardInterrupt):
        row_workers.run(interrupted, arrays, 4, shared, reverse=False, sizes=None)  # the helper fails on its rows
    assert row_workers._STATE.helper.outstanding is not None
    shared.release()
    values, grads = _run_lstm(True, layers=1)
    assert row_workers._STATE.helper.outstanding is None
    for got, want in zip(values + grads, serial_values + serial_grads):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
