"""The three fusion heads of libs/model (src/fusion) in PyTorch: same names, options, shapes and equations.

Weights are laid out as tfjs lays them out, so one set of weights loads into both engines unchanged:
a dense layer holds `kernel` [in, out] and `bias` [out] and computes x @ kernel + bias. Parameter
names are tfjs's with "/" written as "." (`fusion.query.kernel` is tfjs's `fusion/query/kernel`), and
`Head.named_parameters()` lists them in tfjs's `model.weights` order (fusion layer, fc1, fc2).

Inputs of every head: image F_I [B, dI], text tokens F_T [B, N, dT], text mask [B, N] (1 = token).
Output: the score Q [B, 1] (Eqs. 5-6 after the fusion).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from .errors import EngineError

FusionName = Literal["concat", "cosine", "cross_attention"]
FUSION_NAMES: tuple[FusionName, ...] = ("concat", "cosine", "cross_attention")

# Lower bound on squared norms in cosine similarity (libs/model NORM_EPSILON_SQUARED): keeps all-zero
# (padded) vectors finite, gradients included.
NORM_EPSILON_SQUARED = 1e-16
# Additive score for padded keys: exp(-1e9 - max) underflows to exactly 0 in float32.
MASKED_SCORE = -1e9


@dataclass(frozen=True)
class HeadOptions:
    """libs/contracts HeadOptionsSchema, with its defaults (the choices the paper leaves open)."""

    hidden_units: int = 512
    text_pooling: Literal["mean", "cls"] = "mean"
    image_feature: Literal["pooled", "projected"] = "pooled"
    image_projection: Literal["auto", "linear", "none"] = "auto"
    cosine_space: Literal["shared", "image", "none"] = "shared"
    cosine_shared_dim: int = 64
    cosine_reduce: Literal["mean", "max", "mean-max"] = "mean-max"
    cosine_with_image: bool = True
    attention_heads: int = 8
    attention_with_image: bool = True

    @staticmethod
    def from_json(value: dict[str, object]) -> HeadOptions:
        """Reads the camelCase object the TypeScript side sends (already validated by zod there)."""
        unknown = sorted(set(value) - set(_JSON_NAMES))
        if unknown:
            raise EngineError("invalid_input", f"head has unknown options {unknown}; valid: {sorted(_JSON_NAMES)}", "head")
        return HeadOptions(**{_JSON_NAMES[k]: v for k, v in value.items()})  # type: ignore[arg-type]

    def to_json(self) -> dict[str, object]:
        """The camelCase object libs/contracts HeadOptions reads."""
        return {json_name: getattr(self, name) for json_name, name in _JSON_NAMES.items()}


_JSON_NAMES = {
    "hiddenUnits": "hidden_units",
    "textPooling": "text_pooling",
    "imageFeature": "image_feature",
    "imageProjection": "image_projection",
    "cosineSpace": "cosine_space",
    "cosineSharedDim": "cosine_shared_dim",
    "cosineReduce": "cosine_reduce",
    "cosineWithImage": "cosine_with_image",
    "attentionHeads": "attention_heads",
    "attentionWithImage": "attention_with_image",
}


class Dense(nn.Module):
    """tfjs `dense` without activation: x @ kernel + bias, kernel [in, out]."""

    def __init__(self, units_in: int, units_out: int, *, bias: bool = True) -> None:
        super().__init__()
        self.kernel = nn.Parameter(torch.empty(units_in, units_out))
        self.bias = nn.Parameter(torch.zeros(units_out)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        y = x @ self.kernel
        return y if self.bias is None else y + self.bias


def glorot_uniform_(kernel: Tensor, generator: torch.Generator) -> None:
    """Glorot-uniform (tfjs / Keras default for dense kernels): U(±sqrt(6 / (fan_in + fan_out)))."""
    limit = math.sqrt(6.0 / (kernel.shape[0] + kernel.shape[1]))
    with torch.no_grad():
        kernel.uniform_(-limit, limit, generator=generator)


def zero_padding(tokens: Tensor, mask: Tensor) -> Tensor:
    """tokens · mask → [B, N, d]: padding then cannot reach any output."""
    return tokens * mask.unsqueeze(2)


def masked_mean(tokens: Tensor, mask: Tensor) -> Tensor:
    """Σ mask·F_T / max(Σ mask, 1) → [B, d]."""
    summed = zero_padding(tokens, mask).sum(1)  # [B, d]
    count = mask.sum(1, keepdim=True).clamp_min(1.0)  # [B, 1]
    return summed / count


def l2_normalize(x: Tensor) -> Tensor:
    """Unit length along the last axis; zero vectors stay zero."""
    return x * torch.rsqrt((x * x).sum(-1, keepdim=True).clamp_min(NORM_EPSILON_SQUARED))


class ConcatFusion(nn.Module):
    """Eq. 4: F_v = [F_I, pool(F_T)] → [B, dI + dT] (dT + dT with a `linear` image projection)."""

    def __init__(self, options: HeadOptions, image_dim: int, text_dim: int) -> None:
        super().__init__()
        self.text_pooling = options.text_pooling
        self.image_projection = Dense(image_dim, text_dim) if options.image_projection == "linear" else None
        self.output_dim = (text_dim if self.image_projection is not None else image_dim) + text_dim

    def forward(self, image: Tensor, tokens: Tensor, mask: Tensor) -> Tensor:
        fi = self.image_projection(image) if self.image_projection is not None else image  # [B, dI or dT]
        ft = masked_mean(tokens, mask) if self.text_pooling == "mean" else tokens[:, 0, :]  # [B, dT]
        return torch.cat([fi, ft], 1)


class CosineFusion(nn.Module):
    """Eq. 3: S_Q[j] = cos(P_I(F_I), P_T(F_T[j])) per real token, reduced to masked mean and/or max, [F_I] beside.

    `cosine_space`: `shared` maps F_I and every token into one learned `cosine_shared_dim`-wide space
    (P_I [dI, dS], P_T [dT, dS], with biases); `image` maps only F_I into F_T's space; `none`
    compares the raw features (equal widths). Padded tokens are zeroed before P_T and masked out of
    the mean and the max.
    """

    def __init__(self, options: HeadOptions, image_dim: int, text_dim: int) -> None:
        super().__init__()
        if options.cosine_space == "none" and image_dim != text_dim:
            raise EngineError(
                "invalid_input",
                f'head.cosineSpace "none" compares raw F_I and F_T, which needs one width, but image features are {image_dim}-d '
                f'and text features {text_dim}-d; use "shared" or "image"',
                "head.cosineSpace",
            )
        if options.cosine_shared_dim < 1:
            dim = options.cosine_shared_dim
            raise EngineError("invalid_input", f"head.cosineSharedDim must be a positive integer, got {dim}", "head.cosineSharedDim")
        self.reduce = options.cosine_reduce
        self.with_image = options.cosine_with_image
        to = options.cosine_shared_dim if options.cosine_space == "shared" else text_dim
        self.image_projection = Dense(image_dim, to) if options.cosine_space != "none" else None
        self.text_projection = Dense(text_dim, to) if options.cosine_space == "shared" else None
        reduced = 2 if self.reduce == "mean-max" else 1
        self.output_dim = (image_dim if self.with_image else 0) + reduced

    def forward(self, image: Tensor, tokens: Tensor, mask: Tensor) -> Tensor:
        projected = self.image_projection(image) if self.image_projection is not None else image  # [B, dS]
        padded = zero_padding(tokens, mask)  # [B, N, dT]
        projected_tokens = self.text_projection(padded) if self.text_projection is not None else padded  # [B, N, dS]
        fi = l2_normalize(projected)  # [B, dS]
        ft = l2_normalize(projected_tokens)  # [B, N, dS]
        similarity = (ft @ fi.unsqueeze(2)).squeeze(2)  # S_Q: [B, N]
        features = [image] if self.with_image else []
        if self.reduce != "max":
            count = mask.sum(1, keepdim=True).clamp_min(1.0)  # [B, 1]
            features.append((similarity * mask).sum(1, keepdim=True) / count)  # masked mean [B, 1]
        if self.reduce != "mean":
            # S·m + (m − 1): real tokens keep S, padded ones become −1 ≤ any real cosine.
            features.append((similarity * mask + (mask - 1)).amax(1, keepdim=True))  # masked max [B, 1]
        return torch.cat(features, 1)


class CrossAttentionFusion(nn.Module):
    """F_I is the single query; masked F_T gives keys and values; multi-head; output [F_I, attended].

    Computed in libs/model's folded form, O(d² + h·N·d) per sample: q_h·(F_T·W_k^h)ᵀ = (q_h·W_k^hᵀ)·F_Tᵀ
    and Σ_j a_j (F_T[j]·W_v^h + b_v) = (Σ_j a_j F_T[j])·W_v^h + b_v. The key projection has no bias
    (softmax cancels it).
    """

    def __init__(self, options: HeadOptions, image_dim: int, text_dim: int) -> None:
        super().__init__()
        heads = options.attention_heads
        if heads < 1 or text_dim % heads != 0:
            raise EngineError("invalid_input", f"head.attentionHeads {heads} must divide the text width {text_dim}", "head.attentionHeads")
        self.heads = heads
        self.with_image = options.attention_with_image
        self.image_projection = Dense(image_dim, text_dim) if options.image_projection == "linear" else None
        query_dim = text_dim if self.image_projection is not None else image_dim
        self.query = Dense(query_dim, text_dim)
        self.key = Dense(text_dim, text_dim, bias=False)
        self.value = Dense(text_dim, text_dim)
        self.output = Dense(text_dim, text_dim)
        self.output_dim = (image_dim if self.with_image else 0) + text_dim

    def forward(self, image: Tensor, tokens: Tensor, mask: Tensor) -> Tensor:
        batch, _, d = tokens.shape
        h = self.heads
        dk = d // h
        query = self.image_projection(image) if self.image_projection is not None else image  # [B, dQ]
        ft = zero_padding(tokens, mask)  # [B, N, d]
        q = self.query(query).view(batch, h, dk)  # [B, h, dk]
        wk = self.key.kernel.view(d, h, dk)  # W_k^h: [d, h, dk]
        u = torch.einsum("bhk,dhk->bhd", q, wk)  # q_h·W_k^hᵀ: [B, h, d]
        scores = (u @ ft.transpose(1, 2)) * (1.0 / math.sqrt(dk))  # [B, h, N]
        bias = ((1.0 - mask) * MASKED_SCORE).unsqueeze(1)  # [B, 1, N]
        attention = torch.softmax(scores + bias, dim=-1)  # [B, h, N]
        context = attention @ ft  # Σ_j a_j F_T[j]: [B, h, d]
        wv = self.value.kernel.view(d, h, dk)  # W_v^h: [d, h, dk]
        values = torch.einsum("bhd,dhk->bhk", context, wv)  # [B, h, dk]
        assert self.value.bias is not None
        attended = values.reshape(batch, d) + self.value.bias  # heads concatenated: [B, d]
        attended = self.output(attended)  # [B, d]
        return torch.cat([image, attended], 1) if self.with_image else attended


FUSIONS: dict[FusionName, type[ConcatFusion | CosineFusion | CrossAttentionFusion]] = {
    "concat": ConcatFusion,
    "cosine": CosineFusion,
    "cross_attention": CrossAttentionFusion,
}


class Head(nn.Module):
    """fusion → FC1 = ReLU(W1·F_v + b1) (Eq. 5, `hidden_units` wide) → Q = W2·FC1 + b2 (Eq. 6) → [B, 1]."""

    def __init__(self, fusion: str, options: HeadOptions, image_dim: int, text_dim: int) -> None:
        super().__init__()
        cls = FUSIONS.get(fusion)  # type: ignore[call-overload]
        if cls is None:
            raise EngineError("invalid_input", f'unknown fusion "{fusion}"; valid: {", ".join(FUSION_NAMES)}', "fusion")
        self.fusion_name = fusion
        self.fusion = cls(options, image_dim, text_dim)
        self.fc1 = Dense(self.fusion.output_dim, options.hidden_units)
        self.fc2 = Dense(options.hidden_units, 1)

    def forward(self, image: Tensor, tokens: Tensor, mask: Tensor) -> Tensor:
        fused = self.fusion(image, tokens, mask)  # [B, features]
        score: Tensor = self.fc2(torch.relu(self.fc1(fused)))  # [B, 1]
        return score

    def initialise(self, seed: int) -> None:
        """Glorot-uniform kernels and zero biases, drawn from one generator seeded with `seed`.

        Same distribution as libs/model's initialisers, not the same numbers (tfjs has its own
        generator): a torch run and a tfjs run of one seed start from different weights.
        """
        generator = torch.Generator().manual_seed(seed)
        for name, parameter in self.named_parameters():
            if name.endswith("kernel"):
                glorot_uniform_(parameter, generator)
            else:
                with torch.no_grad():
                    parameter.zero_()


def tfjs_name(name: str) -> str:
    """`fusion.query.kernel` → `fusion/query/kernel` (tfjs's weight name)."""
    return name.replace(".", "/")
