"""BertModel / BertForMaskedLM / BertForSequenceClassification against transformers (a test-only
oracle): the same checkpoint loaded into both gives the same logits, hidden states, attentions,
losses and (in float64) gradients of every parameter."""

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.models.bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel

TOL32 = dict(rtol=1e-4, atol=1e-4)


def _np(tensor):
    return tensor.detach().numpy()


@pytest.mark.parametrize("hidden_act", ["gelu", "gelu_new", "relu"])
def test_masked_lm_logits_hidden_states_and_attentions_match_transformers(tmp_path, make_hf_model, batch, hidden_act):
    hf = make_hf_model("BertForMaskedLM", hidden_act=hidden_act)
    hf.save_pretrained(tmp_path)
    ours = BertForMaskedLM.from_pretrained(tmp_path)
    input_ids, attention_mask, token_type_ids = batch
    out = ours(
        input_ids,
        attention_mask=attention_mask,
        token_type_ids=token_type_ids,
        output_hidden_states=True,
        output_attentions=True,
    )
    with torch.no_grad():
        ref = hf(
            torch.tensor(input_ids),
            attention_mask=torch.tensor(attention_mask),
            token_type_ids=torch.tensor(token_type_ids),
            output_hidden_states=True,
            output_attentions=True,
        )
    assert out.logits.dtype == np.float32
    np.testing.assert_allclose(_np(out.logits), ref.logits.numpy(), **TOL32)
    assert len(out.hidden_states) == len(ref.hidden_states) == 3
    for ours_h, ref_h in zip(out.hidden_states, ref.hidden_states):
        np.testing.assert_allclose(_np(ours_h), ref_h.numpy(), **TOL32)
    assert len(out.attentions) == len(ref.attentions) == 2
    for ours_a, ref_a in zip(out.attentions, ref.attentions):
        np.testing.assert_allclose(_np(ours_a), ref_a.numpy(), **TOL32)
        # padded keys receive no attention at all
        assert np.all(_np(ours_a)[2, :, :, 3:] == 0)


def test_bert_model_pooler_and_position_ids_match_transformers(tmp_path, make_hf_model, batch):
    hf = make_hf_model("BertModel")
    hf.save_pretrained(tmp_path)
    ours = BertModel.from_pretrained(tmp_path)
    input_ids, attention_mask, token_type_ids = batch
    position_ids = np.tile(np.arange(2, 11), (3, 1))
    out = ours(input_ids, attention_mask, token_type_ids, position_ids)
    with torch.no_grad():
        ref = hf(*[torch.tensor(a) for a in (input_ids, attention_mask, token_type_ids, position_ids)])
    np.testing.assert_allclose(_np(out.last_hidden_state), ref.last_hidden_state.numpy(), **TOL32)
    np.testing.assert_allclose(_np(out.pooler_output), ref.pooler_output.numpy(), **TOL32)
    assert out.hidden_states is None and out.attentions is None


@pytest.mark.parametrize("mask_shape", ["(B,S,S)", "(B,1,1,S)", "bool"], ids=["pairwise", "broadcast4d", "bool"])
def test_mask_forms_agree_with_the_two_dimensional_mask(tmp_path, mlm_dir, batch, mask_shape):
    ours = BertModel.from_pretrained(mlm_dir)
    input_ids, attention_mask, token_type_ids = batch
    reference = _np(ours(input_ids, attention_mask, token_type_ids).last_hidden_state)
    if mask_shape == "(B,S,S)":
        mask = np.repeat(attention_mask[:, None, :], 9, axis=1)
    elif mask_shape == "(B,1,1,S)":
        mask = attention_mask[:, None, None, :]
    else:
        mask = attention_mask.astype(bool)
    np.testing.assert_allclose(_np(ours(input_ids, mask, token_type_ids).last_hidden_state), reference, atol=1e-6)


def test_pairwise_mask_matches_transformers(tmp_path, mlm_dir, hf_mlm, batch):
    ours = BertForMaskedLM.from_pretrained(mlm_dir)
    input_ids, _, token_type_ids = batch
    mask = np.tril(np.ones((9, 9), dtype=np.int64))[None].repeat(3, axis=0)  # causal, (B, S, S)
    # transformers 5 takes a (B, S, S) pattern only as its prepared additive (B, 1, S, S) form
    additive = torch.tensor((1.0 - mask[:, None].astype(np.float32)) * np.finfo(np.float32).min)
    with torch.no_grad():
        ref = hf_mlm(torch.tensor(input_ids), attention_mask=additive, token_type_ids=torch.tensor(token_type_ids))
    np.testing.assert_allclose(_np(ours(input_ids, mask, token_type_ids).logits), ref.logits.numpy(), **TOL32)


def test_masked_lm_loss_and_every_parameter_gradient_match_pytorch_in_float64(mlm_dir, hf_mlm, batch):
    input_ids, attention_mask, token_type_ids = batch
    labels = np.full(input_ids.shape, -100)
    labels[0, [1, 4, 7]] = [5, 9, 60]
    labels[1, 2] = 3
    labels[2, 0] = 17
    ours = BertForMaskedLM.from_pretrained(mlm_dir, dtype=np.float64)
    ours.train()
    hf = hf_mlm.double().train()
    out = ours(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids, labels=labels)
    out.loss.backward()
    ref = hf(*[torch.tensor(a) for a in (input_ids, attention_mask, token_type_ids)], labels=torch.tensor(labels))
    ref.loss.backward()
    np.testing.assert_allclose(out.loss.item(), ref.loss.item(), rtol=1e-12)
    ours_params = dict(ours.named_parameters())
    ref_params = dict(hf.named_parameters())
    assert set(ours_params) == set(ref_params)
    for name, ref_param in ref_params.items():
        assert ours_params[name].grad is not None, name
        np.testing.assert_allclose(
            ours_params[name].grad.numpy(), ref_param.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name
        )


@pytest.mark.parametrize(
    "num_labels, labels",
    [
        (3, np.array([0, 2, 1])),
        (1, np.array([0.5, -1.0, 2.0])),
        (2, np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])),
    ],
    ids=["single_label", "regression", "multi_label"],
)
def test_sequence_classification_logits_and_losses_match_transformers(
    tmp_path, make_hf_model, batch, num_labels, labels
):
    hf = make_hf_model("BertForSequenceClassification", num_labels=num_labels)
    hf.save_pretrained(tmp_path)
    ours = BertForSequenceClassification.from_pretrained(tmp_path)
    assert ours.config.num_labels == num_labels
    input_ids, attention_mask, token_type_ids = batch
    out = ours(
        input_ids,
        attention_mask,
        token_type_ids,
        labels=labels.astype(np.float32) if labels.dtype.kind == "f" else labels,
    )
    with torch.no_grad():
        ref = hf(
            *[torch.tensor(a) for a in (input_ids, attention_mask, token_type_ids)],
            labels=torch.tensor(labels.astype(np.float32) if labels.dtype.kind == "f" else labels),
        )
    np.testing.assert_allclose(_np(out.logits), ref.logits.numpy(), **TOL32)
    np.testing.assert_allclose(out.loss.item(), ref.loss.item(), rtol=1e-4)


def test_parameter_and_state_dict_names_are_huggingface(hf_mlm, make_hf_model):
    config = BertConfig(**{k: v for k, v in hf_mlm.config.to_dict().items() if k in BertConfig.__dataclass_fields__})
    ours = BertForMaskedLM(config)
    assert list(ours.state_dict()) == [k for k in hf_mlm.state_dict()]
    assert "cls.predictions.decoder.weight" in ours.state_dict()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in hf_mlm.named_parameters()]
    hf_seq = make_hf_model("BertForSequenceClassification")
    assert list(BertForSequenceClassification(config).state_dict()) == list(hf_seq.state_dict())


def test_decoder_is_tied_to_the_word_embeddings_and_bias_is_shared():
    model = BertForMaskedLM(BertConfig.preset("bert-tiny", vocab_size=50, max_position_embeddings=12))
    predictions = model.cls.predictions
    assert predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight
    assert predictions.decoder.bias is predictions.bias
    with cr.no_grad():
        model.bert.embeddings.word_embeddings.weight[7].fill_(0.5)
    assert np.all(predictions.decoder.weight.detach().numpy()[7] == 0.5)


def test_initialisation_follows_huggingface():
    config = BertConfig.preset("bert-tiny", vocab_size=300, initializer_range=0.05, pad_token_id=3)
    model = BertForMaskedLM(config, generator=cr.Generator(0))
    state = model.state_dict()
    word = state["bert.embeddings.word_embeddings.weight"]
    assert np.all(word[3] == 0)
    assert abs(np.delete(word, 3, axis=0).std() - 0.05) < 0.002
    assert abs(state["bert.encoder.layer.0.intermediate.dense.weight"].std() - 0.05) < 0.003
    for name, value in state.items():
        if name.endswith("LayerNorm.weight"):
            assert np.all(value == 1), name
        elif name.endswith("bias"):
            assert np.all(value == 0), name
    again = BertForMaskedLM(config, generator=cr.Generator(0)).state_dict()
    assert all(np.array_equal(state[k], again[k]) for k in state)


def test_output_reads_like_huggingface_model_output(mlm_dir, batch):
    model = BertForMaskedLM.from_pretrained(mlm_dir)
    input_ids, attention_mask, _ = batch
    out = model(input_ids, attention_mask)
    assert out[0] is out.logits is out["logits"]
    assert len(out.to_tuple()) == 1 and out.loss is None
    with_loss = model(input_ids, labels=np.where(attention_mask == 1, input_ids, -100))
    assert with_loss[0] is with_loss.loss and with_loss[1] is with_loss.logits
    as_tuple = model(input_ids, return_dict=False)
    assert isinstance(as_tuple, tuple) and len(as_tuple) == 1
    base = BertModel.from_pretrained(mlm_dir)
    last, pooled = base(input_ids)[:2]
    assert tuple(last.shape) == (3, 9, 24) and tuple(pooled.shape) == (3, 24)


def test_dropout_is_active_in_training_and_seeded():
    config = BertConfig.preset("bert-tiny", vocab_size=40, max_position_embeddings=10)
    model = BertModel(config, generator=cr.Generator(0))
    ids = np.arange(8).reshape(1, 8)
    model.train()
    cr.manual_seed(5)
    first = _np(model(ids).last_hidden_state)
    cr.manual_seed(5)
    np.testing.assert_array_equal(_np(model(ids).last_hidden_state), first)
    model.eval()
    assert not np.allclose(_np(model(ids).last_hidden_state), first)


def _tiny():
    return BertModel(BertConfig.preset("bert-tiny", vocab_size=30, max_position_embeddings=8, type_vocab_size=2))


def test_token_ids_outside_the_vocabulary_are_refused():
    with pytest.raises(IndexError, match=r"input_ids .*outside \[0, 30\).*e\.g\. 30.*vocab_size"):
        _tiny()(np.array([[1, 30, 2]]))
    with pytest.raises(IndexError, match=r"input_ids .*e\.g\. -1"):
        _tiny()(np.array([[1, -1, 2]]))
    with pytest.raises(IndexError, match=r"token_type_ids .*type_vocab_size"):
        _tiny()(np.array([[1, 2]]), token_type_ids=np.array([[0, 2]]))
    with pytest.raises(TypeError, match="input_ids must hold integers"):
        _tiny()(np.array([[1.0, 2.0]]))


def test_sequences_longer_than_max_position_embeddings_are_refused():
    with pytest.raises(ValueError, match=r"sequence length 9 is longer than max_position_embeddings=8"):
        _tiny()(np.zeros((2, 9), dtype=np.int64))


@pytest.mark.parametrize(
    "mask",
    [np.ones((2, 4)), np.ones((3, 5)), np.ones((2, 5, 4)), np.ones((5,)), np.ones((2, 1, 2, 5))],
    ids=["short", "batch", "pairwise", "1d", "4d"],
)
def test_attention_masks_that_do_not_fit_are_refused(mask):
    with pytest.raises(ValueError, match=r"attention_mask of shape .* does not fit input_ids of shape \(2, 5\)"):
        _tiny()(np.ones((2, 5), dtype=np.int64), attention_mask=mask)


def test_input_ids_must_be_two_dimensional_and_labels_must_match():
    with pytest.raises(ValueError, match=r"input_ids must be 2-D .* got shape \(5,\)"):
        _tiny()(np.ones(5, dtype=np.int64))
    model = BertForMaskedLM(BertConfig.preset("bert-tiny", vocab_size=30, max_position_embeddings=8))
    with pytest.raises(ValueError, match=r"labels have shape \(2, 4\), expected \(2, 5\)"):
        model(np.ones((2, 5), dtype=np.int64), labels=np.ones((2, 4), dtype=np.int64))


def test_fused_attention_and_the_spelled_out_path_agree_in_value_and_gradient(mlm_dir, batch):
    # without output_attentions the model runs F.scaled_dot_product_attention; with it, the
    # explicit softmax(QK^T/sqrt(d) + mask)V that can return the probabilities
    input_ids, attention_mask, token_type_ids = batch
    labels = np.where(attention_mask == 1, input_ids, -100)
    results = []
    for output_attentions in (False, True):
        model = BertForMaskedLM.from_pretrained(mlm_dir, dtype=np.float64)
        out = model(input_ids, attention_mask, token_type_ids, labels=labels, output_attentions=output_attentions)
        out.loss.backward()
        results.append((out.logits.detach().numpy(), {n: p.grad.numpy() for n, p in model.named_parameters()}))
    (fused_logits, fused_grads), (eager_logits, eager_grads) = results
    np.testing.assert_allclose(fused_logits, eager_logits, rtol=1e-12, atol=1e-12)
    for name, grad in fused_grads.items():
        np.testing.assert_allclose(grad, eager_grads[name], rtol=1e-10, atol=1e-12, err_msg=name)
