# %% [markdown]
# # Exercise Sheet 6 — Feed Forward Neural Network (Dave: softmax without the max shift)
# Answers are plain Python names; free-text answers are Markdown cells graded by a TA.

# %%
import numpy as np

# %% [markdown]
# ## 6.1.1 Activation identities
# (a) σ(-x) = 1/(1+eˣ) = 1 - eˣ/(1+eˣ) = 1 - σ(x). (b) 2σ(2x) - 1 = (1-e^{-2x})/(1+e^{-2x}) = tanh x.
# (c) σ'(x) = e^{-x}/(1+e^{-x})² = σ(x)(1-σ(x)) = σ(x)σ(-x). (d) tanh'(x) = d/dx[2σ(2x)-1] = 4σ(2x)(1-σ(2x)).

# %%
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    # exp of a negative number only: no overflow for large |x|
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def tanh_from_sigmoid(x):
    return 2.0 * sigmoid(2.0 * np.asarray(x, dtype=float)) - 1.0


def dsigmoid(x):
    s = sigmoid(x)
    return s * (1.0 - s)


def dtanh(x):
    s = sigmoid(2.0 * np.asarray(x, dtype=float))
    return 4.0 * (1.0 - s) * s


grid = np.linspace(-5, 5, 11)
assert np.allclose(sigmoid(-grid), 1 - sigmoid(grid))
assert np.allclose(tanh_from_sigmoid(grid), np.tanh(grid))

# %% [markdown]
# ## 6.1.2 An equivalent tanh network
# σ(a) = (1 + tanh(a/2))/2, so σ(W1 x + b1) = ½ + ½ tanh(W1/2 x + b1/2) and
# W2 σ(·) + b2 = (W2/2) tanh(W1/2 x + b1/2) + b2 + ½ Σⱼ W2[:, j]: halve W1, b1, W2 and add half the
# row sums of W2 to b2.

# %%
def sigmoid_to_tanh_params(W1, b1, W2, b2):
    W1, b1, W2, b2 = (np.asarray(a, dtype=float) for a in (W1, b1, W2, b2))
    return W1 / 2, b1 / 2, W2 / 2, b2 + W2.sum(axis=1) / 2

# %% [markdown]
# ## 6.1.3 Bounds of the derivatives
# With t = σ(x) ∈ (0, 1), σ' = f(t) = t - t², maximal 1/4 at t = ½; tanh'(x) = 4 f(σ(2x)) ≤ 1.
# Both are small away from 0, and products of many of them vanish: the **vanishing gradient**
# problem. ReLU (derivative 1 for positive inputs) avoids it.

# %%
max_dsigmoid = float(dsigmoid(np.linspace(-10, 10, 20001)).max())
max_dtanh = float(dtanh(np.linspace(-10, 10, 20001)).max())
activation_problem = "vanishing gradient"
activation_fix = "ReLU"

# %% [markdown]
# ## 6.1.4 Softmax
# softmax(y + c)ᵢ = e^{yᵢ+c}/Σⱼ e^{yⱼ+c} = e^c e^{yᵢ}/(e^c Σⱼ e^{yⱼ}) = softmax(y)ᵢ. Large inputs
# overflow exp (e^1000 = inf, inf/inf = nan); subtracting max(y) keeps every exponent ≤ 0.

# %%
def softmax(y):
    e = np.exp(np.asarray(y, dtype=float))
    return e / e.sum()


print(softmax([1000, 1001, 1002]))

# %% [markdown]
# ## 6.1.5
# Without a non-linearity every layer is linear and their composition is one linear map,
# so depth adds nothing.
#
# ## 6.2 Output and loss functions
# d) Tags are not exclusive: an independent sigmoid per tag, each with binary cross-entropy.
# e) A softmax over 100,000 words is expensive; a hierarchical softmax (a tree over the
# vocabulary) costs O(log V) per word, trained with cross-entropy.

# %%
output_and_loss = {
    "a": ("sigmoid", "binary cross-entropy"),
    "b": ("softmax", "categorical cross-entropy"),
    "c": ("linear", "mean squared error"),
    "d": ("sigmoid", "binary cross-entropy"),
    "e": ("hierarchical softmax", "cross-entropy"),
}

# %% [markdown]
# ## 6.3 Forward pass
# h = ReLU(W1ᵀ x), o = softmax(W2ᵀ h), no biases.

# %%
x = np.array([1.0, 0.0, 1.0])
W1 = np.array([[2.0, -1.0], [1.0, -3.0], [-2.0, 5.0]])
W2 = np.array([[6.0, 2.0], [-1.0, 8.0]])


def forward(x, W1, W2):
    h = np.maximum(0.0, np.asarray(W1, dtype=float).T @ np.asarray(x, dtype=float))
    return h, softmax(np.asarray(W2, dtype=float).T @ h)


h, o = forward(x, W1, W2)
predicted_class = int(np.argmax(o))  # 0-based: the second class
print("h =", h, "o =", o, "class", predicted_class)

# %% [markdown]
# ## 6.4 BatchNorm
# a) Internal covariate shift: the distribution of each layer's inputs changes as earlier layers train.
# b) No: γ and β are learned, so the network chooses the scale and shift it needs (it could undo the
# normalisation, but only if that lowers the loss).
# c) With batch size 1 the variance is 0 and the output is β. At inference the running mean and
# variance collected in training are used instead of batch statistics.
# d) Santurkar et al.: BatchNorm makes the loss landscape smoother (more Lipschitz loss and gradients),
# which allows larger steps; reducing internal covariate shift is not why it works.
#
# ## 6.5 General questions
# a) Weight-space symmetry creates many equivalent minima and saddle points; it does not help the search.
# b) No: with too large a step size gradient descent can diverge, even on a convex function.
# c) f(x) = (x - 3)²: Newton reaches 3 in one step; gradient descent needs many, unless η = 1/2.
# d) The Hessian has n² entries (n³ to invert) for millions of weights, and it is not positive definite.

# %% [markdown]
# ## 6.6 BatchNorm forward and backward

# %%
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    out = gamma * xhat + beta
    return out, (xhat, np.asarray(gamma, dtype=float), var, eps)


def batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    dout = np.asarray(dout, dtype=float)
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * np.sqrt(var + eps))
    return dx, dgamma, dbeta

# %% [markdown]
# ## 6.7 Optimization methods (bonus)
# a) Saddle points, exponentially more common than local minima in high dimensions.
# b) Gradient descent slows down near them: small gradients and long plateaus.
# c) Newton's method rescales by the inverse Hessian and is attracted to saddle points
# (negative curvature directions are followed the wrong way).
