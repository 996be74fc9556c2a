"""The PyTorch heads: shapes, masking, option checks and tfjs's weight layout. (Numerical parity with
libs/model's tfjs heads is tested from the TypeScript side: libs/model src/engines/torch-parity.spec.ts.)"""

from __future__ import annotations

import pytest
import torch

from agiqa_torch.errors import EngineError
from agiqa_torch.heads import FUSION_NAMES, Head, HeadOptions, tfjs_name

B, N, DI, DT = 4, 6, 12, 8


def inputs(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    mask = torch.tensor([[1, 1, 1, 0, 0, 0], [1] * 6, [1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0]], dtype=torch.float32)
    return torch.randn(B, DI, generator=g), torch.randn(B, N, DT, generator=g), mask


OPTION_SETS = [
    HeadOptions(hidden_units=16, attention_heads=2),
    HeadOptions(hidden_units=16, attention_heads=4, image_projection="linear", text_pooling="cls", cosine_reduce="max", cosine_space="image"),
    HeadOptions(hidden_units=16, attention_heads=2, cosine_reduce="mean", cosine_with_image=False, attention_with_image=False, cosine_shared_dim=5),
]


@pytest.mark.parametrize("fusion", FUSION_NAMES)
@pytest.mark.parametrize("options", OPTION_SETS)
def test_every_head_maps_a_batch_to_one_score_per_row(fusion: str, options: HeadOptions) -> None:
    head = Head(fusion, options, DI, DT)
    head.initialise(3)
    assert head(*inputs()).shape == (B, 1)


@pytest.mark.parametrize("fusion", FUSION_NAMES)
def test_padded_tokens_cannot_change_the_output(fusion: str) -> None:
    head = Head(fusion, HeadOptions(hidden_units=16, attention_heads=2), DI, DT)
    head.initialise(1)
    image, tokens, mask = inputs()
    noisy = tokens + 100 * (1 - mask).unsqueeze(2) * torch.randn(B, N, DT)
    torch.testing.assert_close(head(image, noisy, mask), head(image, tokens, mask), rtol=0, atol=0)


def test_same_seed_same_weights_and_kernels_are_glorot_biases_zero() -> None:
    a, b = (Head("cross_attention", HeadOptions(hidden_units=16, attention_heads=2), DI, DT) for _ in range(2))
    a.initialise(7)
    b.initialise(7)
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert torch.equal(p, q), name
        if name.endswith("bias"):
            assert torch.count_nonzero(p) == 0
        else:
            limit = (6 / (p.shape[0] + p.shape[1])) ** 0.5
            assert float(p.detach().abs().max()) <= limit
    # Each kernel draws its own numbers (W_k must not equal W_v).
    assert not torch.equal(a.fusion.key.kernel, a.fusion.value.kernel)  # type: ignore[union-attr]


def test_weights_carry_tfjs_names_in_tfjs_order() -> None:
    head = Head("cross_attention", HeadOptions(hidden_units=16, attention_heads=2, image_projection="linear"), DI, DT)
    names = [tfjs_name(n) for n, _ in head.named_parameters()]
    assert names == [
        "fusion/image_projection/kernel",
        "fusion/image_projection/bias",
        "fusion/query/kernel",
        "fusion/query/bias",
        "fusion/key/kernel",
        "fusion/value/kernel",
        "fusion/value/bias",
        "fusion/output/kernel",
        "fusion/output/bias",
        "fc1/kernel",
        "fc1/bias",
        "fc2/kernel",
        "fc2/bias",
    ]
    assert head.fusion.query.kernel.shape == (DT, DT)  # type: ignore[union-attr]  # kernels are [in, out], as in tfjs


def test_options_that_do_not_fit_the_widths_fail_naming_the_option() -> None:
    with pytest.raises(EngineError, match=r"head\.attentionHeads 3 must divide the text width 8"):
        Head("cross_attention", HeadOptions(attention_heads=3), DI, DT)
    with pytest.raises(EngineError, match="image features are 12-d and text features 8-d") as caught:
        Head("cosine", HeadOptions(cosine_space="none"), DI, DT)
    assert caught.value.path == "head.cosineSpace"
    with pytest.raises(EngineError, match='unknown fusion "bilinear"; valid: concat, cosine, cross_attention'):
        Head("bilinear", HeadOptions(), DI, DT)


def test_head_options_read_the_camel_case_json_and_reject_unknown_keys() -> None:
    assert HeadOptions.from_json({"hiddenUnits": 4, "cosineReduce": "max"}) == HeadOptions(hidden_units=4, cosine_reduce="max")
    with pytest.raises(EngineError, match="unknown options"):
        HeadOptions.from_json({"hidenUnits": 4})
