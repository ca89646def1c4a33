"""nn.DataParallel: the batch split between this process and helper processes gives the outputs
and gradients of the one-process model (to rounding), follows the weights as they change, and
reports what goes wrong in a helper as an error here."""

import collections
import glob
import os
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F
import chainrule.nn as nn
from chainrule.nn import DataParallel

pytestmark = pytest.mark.skipif(not DataParallel.supported(), reason="needs Linux /dev/shm")

Pair = collections.namedtuple("Pair", ["left", "right"])


class Net(nn.Module):
    """Two Linear layers; ``scale`` (a plain number) reaches every replica unchanged."""

    def __init__(self, width=7):
        super().__init__()
        self.a = nn.Linear(5, width)
        self.b = nn.Linear(width, 3)

    def forward(self, x, scale=1.0):
        return self.b(F.tanh(self.a(x))) * scale


class Structured(nn.Module):
    """Inputs inside a namedtuple and a dict."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 3)

    def forward(self, pair, extra):
        return self.a(pair.left) * pair.right + extra["bias"]


class RaisesOnLargeInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)

    def forward(self, x):
        if float(x.max().item()) > 100:
            raise ValueError("RaisesOnLargeInput: an input above 100")
        return self.a(x)


class ReturnsTuple(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)

    def forward(self, x):
        return self.a(x), x


class LossPerReplica(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 1)

    def forward(self, x):
        return (self.a(x) ** 2).sum()


class WithDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(6, 6)
        self.drop = nn.Dropout(0.5, generator=cr.Generator(3))

    def forward(self, x):
        return self.drop(self.a(x))


def _close(got, want):
    """Equal to rounding: a GEMM over fewer rows may block its sums differently."""
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def _grads(module):
    return [None if p.grad is None else p.grad.detach().numpy().copy() for p in module.parameters()]


def _serial_and_parallel(module, processes, make_inputs, loss=lambda y: (y**2).sum()):
    """Run ``module`` alone, then through DataParallel; return both outputs and gradients."""
    inputs = make_inputs()
    out = module(*inputs)
    loss(out).backward()
    serial = (
        out.detach().numpy().copy(),
        _grads(module),
        [x.grad.detach().numpy().copy() for x in inputs if _wants_grad(x)],
    )
    module.zero_grad(set_to_none=True)
    parallel = DataParallel(module, processes=processes)
    inputs = make_inputs()
    out = parallel(*inputs)
    loss(out).backward()
    result = (
        out.detach().numpy().copy(),
        _grads(module),
        [x.grad.detach().numpy().copy() for x in inputs if _wants_grad(x)],
    )
    return serial, result, parallel


def _wants_grad(x):
    return isinstance(x, cr.Tensor) and x.requires_grad


@pytest.mark.parametrize("rows, processes", [(9, 2), (9, 3), (5, 3), (2, 2)])
def test_outputs_and_every_gradient_equal_the_one_process_model(rows, processes):
    module = Net().double()
    data = np.random.default_rng(rows).standard_normal((rows, 5))

    def make_inputs():
        return (cr.tensor(data, requires_grad=True),)

    serial, parallel, dp = _serial_and_parallel(module, processes, make_inputs)
    try:
        _close(parallel[0], serial[0])
        for got, want in zip(parallel[1], serial[1]):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)  # partial sums added
        _close(parallel[2][0], serial[2][0])
    finally:
        dp.close()


def test_gradients_match_pytorch_for_the_whole_batch():
    torch = pytest.importorskip("torch")
    module = Net().double()
    twin = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 3)).double()
    with torch.no_grad():
        for mine, theirs in zip(module.parameters(), twin.parameters()):
            theirs.copy_(torch.from_numpy(mine.detach().numpy()))
    data = np.random.default_rng(0).standard_normal((10, 5))
    expected = twin(torch.from_numpy(data))
    (expected**2).mean().backward()
    dp = DataParallel(module, processes=2)
    try:
        got = dp(cr.tensor(data))
        (got**2).mean().backward()
        np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
        for mine, theirs in zip(module.parameters(), twin.parameters()):
            np.testing.assert_allclose(mine.grad.detach().numpy(), theirs.grad.detach().numpy(), rtol=1e-10, atol=1e-14)
    finally:
        dp.close()


def test_namedtuple_dict_and_plain_arguments_are_scattered_or_copied():
    module = Structured().double()
    left = np.random.default_rng(1).standard_normal((6, 4))
    right = np.random.default_rng(2).standard_normal((6, 1))
    bias = np.random.default_rng(3).standard_normal((6, 3))

    def run(model):
        x = cr.tensor(left, requires_grad=True)
        out = model(Pair(x, cr.tensor(right)), {"bias": cr.tensor(bias)})
        out.sum().backward()
        return out.detach().numpy().copy(), x.grad.detach().numpy().copy(), _grads(module)

    want = run(module)
    module.zero_grad(set_to_none=True)
    dp = DataParallel(module, processes=2)
    try:
        got = run(dp)
        _close(got[0], want[0])
        _close(got[1], want[1])
        for g, w in zip(got[2], want[2]):
            np.testing.assert_allclose(g, w, rtol=1e-12)
    finally:
        dp.close()


def test_helpers_follow_optimizer_steps_and_load_state_dict():
    module = Net().double()
    data = cr.tensor(np.random.default_rng(4).standard_normal((8, 5)))
    dp = DataParallel(module, processes=2)
    opt = cr.optim.Adam(module.parameters(), lr=0.1)
    try:
        for _ in range(3):  # the optimizer updates the shared weights in place
            opt.zero_grad()
            (dp(data) ** 2).sum().backward()
            opt.step()
            with cr.no_grad():
                _close(dp(data).detach().numpy(), module(data).detach().numpy())
        fresh = Net().double()
        module.load_state_dict(fresh.state_dict())  # new arrays: copied back into the shared block
        with cr.no_grad():
            _close(dp(data).detach().numpy(), fresh(data).detach().numpy())
        module.a = nn.Linear(5, 4).double()  # another shape: the module is sent again
        module.b = nn.Linear(4, 3).double()
        with cr.no_grad():
            _close(dp(data).detach().numpy(), module(data).detach().numpy())
    finally:
        dp.close()


def test_autograd_grad_and_parameter_hooks_see_the_summed_gradient_once():
    module = Net().double()
    data = np.random.default_rng(5).standard_normal((7, 5))
    want = cr.autograd.grad((module(cr.tensor(data)) ** 2).sum(), list(module.parameters()))
    calls = []
    module.a.weight.register_hook(lambda g: calls.append(g.detach().numpy().copy()))
    dp = DataParallel(module, processes=2)
    try:
        got = cr.autograd.grad((dp(cr.tensor(data)) ** 2).sum(), list(module.parameters()))
        assert all(p.grad is None for p in module.parameters())
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-12, atol=1e-14)
        assert len(calls) == 1
        np.testing.assert_allclose(calls[0], want[0].detach().numpy(), rtol=1e-12, atol=1e-14)
    finally:
        dp.close()


def test_zero_dim_outputs_are_stacked_with_pytorchs_warning():
    module = LossPerReplica().double()
    data = np.random.default_rng(6).standard_normal((6, 3))
    dp = DataParallel(module, processes=2)
    try:
        with pytest.warns(UserWarning, match="all input tensors were scalars"):
            losses = dp(cr.tensor(data))
        assert losses.shape == (2,)
        np.testing.assert_allclose(
            losses.detach().numpy(), [module(cr.tensor(data[:3])).item(), module(cr.tensor(data[3:])).item()]
        )
        losses.sum().backward()
        want = cr.autograd.grad(module(cr.tensor(data)), list(module.parameters()))
        for p, w in zip(module.parameters(), want):
            np.testing.assert_allclose(p.grad.detach().numpy(), w.detach().numpy(), rtol=1e-12)
    finally:
        dp.close()


def test_dropout_masks_are_reproducible_from_the_seed_and_eval_mode_is_exact():
    module = WithDropout().double()
    data = cr.tensor(np.random.default_rng(7).standard_normal((8, 6)))
    dp = DataParallel(module, processes=2)
    try:
        runs = []
        for _ in range(2):
            cr.manual_seed(11)
            module.drop.generator = cr.Generator(3)
            runs.append(dp(data).detach().numpy().copy())
        np.testing.assert_array_equal(runs[0], runs[1])
        assert (runs[0] == 0).mean() > 0.3  # about half the activations dropped, in both halves
        assert (runs[0][4:] == 0).mean() > 0.3
        dp.eval()
        with cr.no_grad():
            _close(dp(data).detach().numpy(), module(data).detach().numpy())
    finally:
        dp.close()


def test_an_error_in_a_helper_is_raised_here_with_its_type_and_the_next_call_works():
    dp = DataParallel(RaisesOnLargeInput().double(), processes=2)
    try:
        bad = np.zeros((4, 2))
        bad[3, 0] = 1000.0  # in the helper's half
        with pytest.raises(ValueError, match="an input above 100") as info:
            dp(cr.tensor(bad))
        assert any("helper process 1" in note for note in getattr(info.value, "__notes__", []))
        good = cr.tensor(np.ones((4, 2)))
        _close(dp(good).detach().numpy(), dp.module(good).detach().numpy())
    finally:
        dp.close()


def test_a_module_that_does_not_return_one_tensor_is_refused():
    dp = DataParallel(ReturnsTuple(), processes=2)
    try:
        with pytest.raises(TypeError, match="must return one Tensor"):
            dp(cr.randn(4, 2))
    finally:
        dp.close()


def test_a_second_backward_through_the_same_forward_is_refused():
    dp = DataParallel(Net().double(), processes=2)
    try:
        out = (dp(cr.randn(6, 5, dtype=cr.float64)) ** 2).sum()
        out.backward(retain_graph=True)
        with pytest.raises(RuntimeError, match="second time"):
            out.backward()
    finally:
        dp.close()


def test_a_killed_helper_is_a_clear_error():
    dp = DataParallel(Net().double(), processes=2)
    data = cr.randn(6, 5, dtype=cr.float64)
    dp(data)
    process = dp._replicas.helpers[0][0]
    process.kill()
    process.join()
    with pytest.raises(RuntimeError, match="helper process 1 is gone"):
        dp(data)
    dp.close()


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="must be a chainrule.nn.Module"):
        DataParallel(lambda x: x)
    with pytest.raises(ValueError, match="processes must be an int >= 1"):
        DataParallel(Net(), processes=0)
    dp = DataParallel(Net(), processes=2)
    with pytest.raises(ValueError, match=r"sizes along dim 0 differ \(\[3, 4\]\)"):
        dp(cr.randn(4, 5), scale=cr.randn(3, 1))


def test_one_process_or_one_row_runs_here_without_helpers():
    module = Net()
    data = cr.randn(1, 5)
    for dp in (DataParallel(module, processes=1), DataParallel(module, processes=2)):
        _close(dp(data).detach().numpy(), module(data).detach().numpy())
        assert dp._replicas is None


def test_state_dict_keys_are_pytorchs_and_no_shared_memory_file_is_left():
    torch = pytest.importorskip("torch")
    twin = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(5, 7)))
    dp = DataParallel(nn.Sequential(nn.Linear(5, 7)), processes=2)
    assert list(dp.state_dict()) == list(twin.state_dict())
    dp.load_state_dict({k: v.detach().numpy() for k, v in twin.state_dict().items()})
    before = set(glob.glob("/dev/shm/chainrule-rows-*"))
    x = np.random.default_rng(8).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(
        dp(cr.tensor(x)).detach().numpy(), twin(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    assert set(glob.glob("/dev/shm/chainrule-rows-*")) <= before  # unlinked once every process mapped them
    dp.close()


def test_bert_masked_lm_loss_through_data_parallel_equals_the_one_process_loss():
    from chainrule.models.bert import BertConfig, BertForMaskedLM
    from chainrule.models.bert.pretrain import MaskedLMLossSum, masked_lm_loss

    config = BertConfig(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)
    model = BertForMaskedLM(config, generator=np.random.default_rng(0)).double()
    model.eval()
    rng = np.random.default_rng(9)
    ids = rng.integers(5, 40, size=(5, 10))
    labels = np.where(rng.random((5, 10)) < 0.3, ids, -100)
    labels[4] = -100  # the last replica's rows: nothing masked in the helper's second row
    mask = np.ones((5, 10), dtype=np.int64)
    mask[1, 7:] = 0
    batch = {"input_ids": ids, "labels": labels, "attention_mask": mask}
    want = masked_lm_loss(model, batch)
    want.backward()
    expected = _grads(model)
    model.zero_grad(set_to_none=True)
    dp = DataParallel(MaskedLMLossSum(model), processes=2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (1,)-shaped sums: no scalar-gather warning
            got = masked_lm_loss(model, batch, parallel=dp)
        np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)
        got.backward()
        for g, w in zip(_grads(model), expected):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-13)
    finally:
        dp.close()


def test_helpers_exit_when_closed():
    dp = DataParallel(Net(), processes=2)
    dp(cr.randn(4, 5))
    processes = [process for process, _ in dp._replicas.helpers]
    dp.close()
    assert not any(process.is_alive() for process in processes)
    assert os.getpid() not in [process.pid for process in processes]


class WithBatchNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x):
        return self.bn(self.a(x))


def test_buffers_travel_with_every_call_and_only_this_processs_updates_are_kept():
    module = WithBatchNorm().double()
    data = np.random.default_rng(10).standard_normal((8, 4)) * 3 + 1
    dp = DataParallel(module, processes=2)
    try:
        dp(cr.tensor(data))  # training: the running statistics move, from chunk 0 only (as PyTorch)
        reference = WithBatchNorm().double()
        reference.load_state_dict(module.state_dict())
        reference.bn.running_mean.detach().numpy()[...] = 0.0
        reference.bn.running_var.detach().numpy()[...] = 1.0
        reference.bn.num_batches_tracked.detach().numpy()[...] = 0
        reference.train()
        reference(cr.tensor(data[:4]))
        _close(module.bn.running_mean.detach().numpy(), reference.bn.running_mean.detach().numpy())
        _close(module.bn.running_var.detach().numpy(), reference.bn.running_var.detach().numpy())
        dp.eval()  # eval: the helper normalises with this process's running statistics
        with cr.no_grad():
            _close(dp(cr.tensor(data)).detach().numpy(), module(cr.tensor(data)).detach().numpy())
    finally:
        dp.close()


def test_a_data_parallel_pickles_without_its_helpers():
    import pickle

    dp = DataParallel(Net().double(), processes=2)
    data = cr.randn(6, 5, dtype=cr.float64)
    with cr.no_grad():
        before = dp(data).detach().numpy().copy()
    copy = pickle.loads(pickle.dumps(dp))
    assert copy._replicas is None
    try:
        with cr.no_grad():
            _close(copy(data).detach().numpy(), before)  # starts helpers of its own
    finally:
        copy.close()
        dp.close()


def test_an_error_here_frees_the_helpers_graph_of_that_call():
    module = RaisesOnLargeInput().double()
    dp = DataParallel(module, processes=2)
    try:
        bad = np.zeros((4, 2))
        bad[0, 0] = 1000.0  # in this process's half
        with pytest.raises(ValueError, match="an input above 100"):
            dp(cr.tensor(bad))
        assert dp._replicas.dropped  # sent with the next request
        good = cr.tensor(np.ones((4, 2)))
        out = dp(good)
        assert not dp._replicas.dropped
        out.sum().backward()
        assert module.a.weight.grad is not None
    finally:
        dp.close()


def test_float64_gradcheck_through_the_split():
    """Numerical against analytic gradients, for an input and every parameter, across the two processes."""
    module = Net(width=4).double()
    dp = DataParallel(module, processes=2)
    x = cr.tensor(np.random.default_rng(12).standard_normal((4, 5)), requires_grad=True)
    try:
        assert cr.gradcheck(lambda inp, *params: dp(inp, scale=1.5), (x, *module.parameters()))
    finally:
        dp.close()
